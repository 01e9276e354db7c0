package bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The PNG of {@code bench quality}: recall@50 by variant (bars) beside recall@50 by table compression (lines). */
final class QualityChart {

  private static final int PANEL_WIDTH = 900;
  private static final int HEIGHT = 560;

  private QualityChart() {}

  /** One bar group: a variant's label and its recalls. */
  record Bar(String label, double warm, double fresh) {}

  /** One point of the sweep. */
  record Point(double itemsPerRow, double warm, double fresh) {}

  static void write(Path file, String title, List<Bar> bars, List<Point> sweep, double fullTableWarm,
      double fullTableNew, double chance) throws IOException {
    System.setProperty("java.awt.headless", "true");
    CategoryChart byVariant = new CategoryChartBuilder().width(PANEL_WIDTH).height(HEIGHT)
        .title("recall@50 by variant — " + title).yAxisTitle("recall@50").build();
    byVariant.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    byVariant.getStyler().setXAxisLabelRotation(12);
    byVariant.getStyler().setYAxisMin(0.0);
    byVariant.getStyler().setYAxisDecimalPattern("0.00");
    byVariant.getStyler().setChartBackgroundColor(Color.WHITE);
    List<String> labels = bars.stream().map(Bar::label).toList();
    byVariant.addSeries("warm items", labels, bars.stream().map(Bar::warm).toList());
    byVariant.addSeries("new items (zero interactions)", labels, bars.stream().map(Bar::fresh).toList());

    XYChart byCompression = new XYChartBuilder().width(PANEL_WIDTH).height(HEIGHT)
        .title("fused: table compression").xAxisTitle("catalogue items per row (log scale)").yAxisTitle("recall@50")
        .build();
    byCompression.getStyler().setXAxisLogarithmic(true);
    byCompression.getStyler().setLegendPosition(Styler.LegendPosition.InsideSW);
    byCompression.getStyler().setYAxisMin(0.0);
    byCompression.getStyler().setYAxisDecimalPattern("0.00");
    byCompression.getStyler().setChartBackgroundColor(Color.WHITE);
    double[] x = sweep.stream().mapToDouble(Point::itemsPerRow).toArray();
    byCompression.addSeries("fused, warm", x, sweep.stream().mapToDouble(Point::warm).toArray());
    byCompression.addSeries("fused, new", x, sweep.stream().mapToDouble(Point::fresh).toArray());
    double[] ends = {x[0], x[x.length - 1]};
    byCompression.addSeries("full table, warm", ends, new double[] {fullTableWarm, fullTableWarm})
        .setMarker(SeriesMarkers.NONE);
    byCompression.addSeries("full table, new", ends, new double[] {fullTableNew, fullTableNew})
        .setMarker(SeriesMarkers.NONE);
    byCompression.addSeries("random ranking", ends, new double[] {chance, chance}).setMarker(SeriesMarkers.NONE);

    BufferedImage image = new BufferedImage(2 * PANEL_WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      byVariant.paint(g, PANEL_WIDTH, HEIGHT);
      g.translate(PANEL_WIDTH, 0);
      byCompression.paint(g, PANEL_WIDTH, HEIGHT);
    } finally {
      g.dispose();
    }
    ImageIO.write(image, "png", file.toFile());
  }
}

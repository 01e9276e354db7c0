package bench;

import bench.movielens.Accuracy;
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
import org.knowm.xchart.style.Styler;

/** The PNG of {@code bench movielens}: warm-movie HR@10 and Recall@50 by row, beside new-movie Recall@10. */
final class MovieLensChart {

  private static final int PANEL_WIDTH = 900;
  private static final int HEIGHT = 560;

  private MovieLensChart() {}

  static void write(Path file, String title, List<Accuracy> rows) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<Accuracy> warm = rows.stream().filter(r -> !Double.isNaN(r.hr10())).toList();
    List<Accuracy> fresh = rows.stream().filter(r -> !Double.isNaN(r.newRecall10())).toList();
    CategoryChart warmChart = panel("warm movies — " + title, "");
    warmChart.addSeries("HR@10", warm.stream().map(Accuracy::name).toList(), warm.stream().map(Accuracy::hr10).toList());
    warmChart.addSeries("Recall@50", warm.stream().map(Accuracy::name).toList(),
        warm.stream().map(Accuracy::recall50).toList());
    CategoryChart newChart = panel("held-out (new) movies", "");
    newChart.addSeries("Recall@10", fresh.stream().map(Accuracy::name).toList(),
        fresh.stream().map(Accuracy::newRecall10).toList());

    BufferedImage image = new BufferedImage(2 * PANEL_WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      warmChart.paint(g, PANEL_WIDTH, HEIGHT);
      g.translate(PANEL_WIDTH, 0);
      newChart.paint(g, PANEL_WIDTH, HEIGHT);
    } finally {
      g.dispose();
    }
    ImageIO.write(image, "png", file.toFile());
  }

  private static CategoryChart panel(String title, String yTitle) {
    CategoryChart chart = new CategoryChartBuilder().width(PANEL_WIDTH).height(HEIGHT).title(title).yAxisTitle(yTitle)
        .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setXAxisLabelRotation(15);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisDecimalPattern("0.000");
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    return chart;
  }
}

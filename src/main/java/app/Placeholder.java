package app;
class Placeholder {}

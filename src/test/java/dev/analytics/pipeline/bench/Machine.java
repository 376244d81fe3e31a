package dev.analytics.pipeline.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The machine a benchmark ran on, as the report states it: CPU model, cores, memory, JVM, OS, load
 * average, git commit and date. Linux files ({@code /proc}); "n/a" where something is unknown.
 */
record Machine(
    String cpu,
    int cores,
    String memory,
    String jvm,
    String os,
    String loadAverage,
    String commit,
    Instant date) {

  static Machine describe() {
    return new Machine(
        cpuModel(),
        Runtime.getRuntime().availableProcessors(),
        totalMemory(),
        System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version")
            + ", max heap "
            + (Runtime.getRuntime().maxMemory() >> 20)
            + " MiB",
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"),
        currentLoadAverage(),
        gitCommit(),
        Instant.now());
  }

  String summary() {
    return String.format(
        Locale.ROOT,
        "%s, %d cores, %s RAM; %s; %s; load average %s; commit %s; %s",
        cpu,
        cores,
        memory,
        jvm,
        os,
        loadAverage,
        commit,
        date);
  }

  /** The 1, 5 and 15 minute load averages from /proc/loadavg. */
  static String currentLoadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return System.getProperty("os.arch", "n/a");
  }

  private static String totalMemory() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.UTF_8)) {
        if (line.startsWith("MemTotal:")) {
          long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
          return String.format(Locale.ROOT, "%.1f GiB", kib / 1024.0 / 1024.0);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return "n/a";
  }

  private static String gitCommit() {
    try {
      Process p =
          new ProcessBuilder(List.of("git", "describe", "--always", "--dirty", "--abbrev=12"))
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "n/a";
    } catch (IOException | InterruptedException e) {
      return "n/a";
    }
  }
}

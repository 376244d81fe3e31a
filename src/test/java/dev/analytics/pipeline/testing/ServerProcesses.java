package dev.analytics.pipeline.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the tests' private servers share: a free loopback port, the end of a log for a message. */
public final class ServerProcesses {
  private ServerProcesses() {}

  /** A port free on the loopback interface now (the server started next binds it). */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  /** The last {@code lines} lines of {@code file}, for a failure message; "" when unreadable. */
  public static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
    } catch (IOException e) {
      return "";
    }
  }
}

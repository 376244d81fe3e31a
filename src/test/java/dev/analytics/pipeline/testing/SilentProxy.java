package dev.analytics.pipeline.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on a free local port that forwards to a real server until {@link #goSilent()}: from
 * then on it keeps every connection open and accepts new ones, but passes nothing in either
 * direction, like a server behind a route that started dropping packets. With no target it is
 * silent from the start: a socket that accepts connections and never answers.
 */
public final class SilentProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean silent;
  private volatile boolean closed;

  /** Forwards to {@code 127.0.0.1:targetPort}; 0: silent from the start. */
  public SilentProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.silent = targetPort == 0;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::acceptLoop, "silent-proxy-accept");
    accept.setDaemon(true);
    accept.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Stops passing bytes, keeping every connection open. */
  public void goSilent() {
    silent = true;
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = server.accept();
        sockets.add(client);
        if (targetPort == 0) {
          continue; // never answers
        }
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        sockets.add(upstream);
        pump(client.getInputStream(), upstream.getOutputStream());
        pump(upstream.getInputStream(), client.getOutputStream());
      } catch (IOException e) {
        if (!closed) {
          throw new IllegalStateException("proxy failed", e);
        }
      }
    }
  }

  private void pump(InputStream in, OutputStream out) {
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[8192];
              try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  if (!silent) {
                    out.write(buffer, 0, n);
                    out.flush();
                  }
                }
              } catch (IOException e) {
                // The connection was closed at one end.
              }
            },
            "silent-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}

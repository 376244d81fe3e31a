package dev.analytics.pipeline.bench;

import dev.analytics.pipeline.local.TrafficGenerator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces schema-v1 events live into Kafka at a steady rate, each stamped with the wall clock at
 * the moment it is sent (event time = now), round-robin over the partitions, on its own thread.
 *
 * <p>Event types follow {@link TrafficGenerator#eventTypeShares()}; no event carries a priority or
 * category, so the default rules decide: {@code api.error} and {@code payment.failed} (about 3%)
 * are high priority. It counts what Kafka acknowledged: all events, high-priority events, and
 * events per (window start, event type) for a given window size, so a benchmark can check what
 * reached ClickHouse.
 */
final class LiveProducer implements AutoCloseable {
  private static final String[] REGIONS = {"us-east-1", "eu-west-1", "us-west-2", "ap-south-1"};
  private static final String[] ENDPOINTS = {"/api/messages", "/api/users", "/api/search"};

  private final String bootstrap;
  private final String topic;
  private final int partitions;
  private final double eventsPerSecond;
  private final long windowMillis;
  private final String runId = Long.toString(System.nanoTime(), 36);
  private final String[] types;
  private final double[] cumulative;
  private final LongAdder acked = new LongAdder();
  private final LongAdder highAcked = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final AtomicLong sent = new AtomicLong();
  private final Map<Long, Map<String, LongAdder>> perWindow = new ConcurrentHashMap<>();
  private volatile boolean running = true;
  private Thread thread;

  /**
   * @param windowMillis window size for {@link #perWindow()} counts
   */
  LiveProducer(
      String bootstrap, String topic, int partitions, double eventsPerSecond, long windowMillis) {
    this.bootstrap = bootstrap;
    this.topic = topic;
    this.partitions = partitions;
    this.eventsPerSecond = eventsPerSecond;
    this.windowMillis = windowMillis;
    Map<String, Double> shares = TrafficGenerator.eventTypeShares();
    this.types = shares.keySet().toArray(new String[0]);
    this.cumulative = new double[types.length];
    double sum = 0;
    for (int i = 0; i < types.length; i++) {
      sum += shares.get(types[i]);
      cumulative[i] = sum;
    }
  }

  /** Whether the default priority rules make {@code type} high priority. */
  static boolean isHighPriority(String type) {
    return type.contains("error") || type.contains("fail");
  }

  void start() {
    thread = new Thread(this::produce, "live-producer");
    thread.setDaemon(true);
    thread.start();
  }

  private void produce() {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("acks", "all");
    p.put("linger.ms", "5");
    p.put("batch.size", "262144");
    p.put("compression.type", "none");
    p.put("buffer.memory", String.valueOf(256L << 20));
    SplittableRandom random = new SplittableRandom(17);
    StringBuilder json = new StringBuilder(256);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      long start = System.nanoTime();
      long n = 0;
      while (running) {
        long due = (long) ((System.nanoTime() - start) / 1e9 * eventsPerSecond);
        if (n >= due) {
          LockSupport.parkNanos(500_000);
          continue;
        }
        for (; n < due && running; n++) {
          String type = pickType(random.nextDouble());
          long now = System.currentTimeMillis();
          json.setLength(0);
          json.append("{\"event_id\":\"")
              .append(runId)
              .append('-')
              .append(n)
              .append("\",\"event_type\":\"")
              .append(type)
              .append("\",\"timestamp\":")
              .append(now)
              .append(",\"value\":")
              .append(Math.round(Math.exp(3 + random.nextGaussian()) * 1000) / 1000.0)
              .append(",\"user_id\":\"u")
              .append(random.nextInt(10_000))
              .append("\",\"dimensions\":{\"region\":\"")
              .append(REGIONS[random.nextInt(REGIONS.length)])
              .append("\",\"endpoint\":\"")
              .append(ENDPOINTS[random.nextInt(ENDPOINTS.length)])
              .append("\"}}");
          byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
          boolean high = isHighPriority(type);
          long window = now - Math.floorMod(now, windowMillis);
          producer.send(
              new ProducerRecord<>(topic, (int) (n % partitions), null, bytes),
              (metadata, e) -> {
                if (e != null) {
                  failed.increment();
                  return;
                }
                acked.increment();
                if (high) {
                  highAcked.increment();
                }
                perWindow
                    .computeIfAbsent(window, w -> new ConcurrentHashMap<>())
                    .computeIfAbsent(type, t -> new LongAdder())
                    .increment();
              });
          sent.incrementAndGet();
        }
      }
      producer.flush();
    }
  }

  private String pickType(double u) {
    for (int i = 0; i < cumulative.length; i++) {
      if (u < cumulative[i]) {
        return types[i];
      }
    }
    return types[types.length - 1];
  }

  /** Events acknowledged by Kafka. */
  long acked() {
    return acked.sum();
  }

  long highPriorityAcked() {
    return highAcked.sum();
  }

  long failed() {
    return failed.sum();
  }

  long sent() {
    return sent.get();
  }

  /** Acknowledged events by window start (of the given size) and event type. */
  Map<Long, Map<String, LongAdder>> perWindow() {
    return perWindow;
  }

  List<String> eventTypes() {
    return List.of(types);
  }

  /** Stops sending, flushes and waits for the acknowledgements. */
  @Override
  public void close() throws InterruptedException {
    running = false;
    if (thread != null) {
      thread.join(60_000);
    }
  }
}

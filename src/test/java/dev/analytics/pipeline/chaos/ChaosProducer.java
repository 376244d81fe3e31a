package dev.analytics.pipeline.chaos;

import dev.analytics.pipeline.local.TrafficGenerator;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes the known stream, {@link TrafficGenerator} record {@code i} to partition {@code i mod P},
 * at a steady rate, until told to stop, through everything the harness does to the broker.
 *
 * <p>Idempotent producer ({@code acks=all}, retries until a 10-minute delivery timeout, at most 5
 * requests in flight): a broker restart delays sends but neither loses, doubles nor reorders them,
 * so partition {@code p} holds records {@code p, p+P, p+2P...} in order, which {@link
 * ExpectedResults} checks byte for byte before computing anything from them. A send that fails for
 * good stops the producer and fails the run ({@link #failure()}). After a stall (a broker restart)
 * it does not burst to catch up more than one second of backlog.
 *
 * <p>With a {@link ChaosControl}, a record at or after the {@code effective_from} of a pending
 * run-time change waits until the job has applied the change.
 */
final class ChaosProducer extends Thread {
  private final String bootstrap;
  private final String topic;
  private final int partitions;
  private final TrafficGenerator.Settings settings;
  private final double perSecond;
  private final ChaosControl control;
  private final AtomicLong lastEventTime = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicLong invalid = new AtomicLong();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicBoolean pause = new AtomicBoolean();
  private final AtomicBoolean paused = new AtomicBoolean();
  private volatile KafkaProducer<byte[], byte[]> client;
  private final AtomicReference<Exception> failure = new AtomicReference<>();

  ChaosProducer(
      String bootstrap,
      String topic,
      int partitions,
      TrafficGenerator.Settings settings,
      double perSecond) {
    this(bootstrap, topic, partitions, settings, perSecond, null);
  }

  ChaosProducer(
      String bootstrap,
      String topic,
      int partitions,
      TrafficGenerator.Settings settings,
      double perSecond,
      ChaosControl control) {
    super("chaos-producer");
    this.control = control;
    this.bootstrap = bootstrap;
    this.topic = topic;
    this.partitions = partitions;
    this.settings = settings;
    this.perSecond = perSecond;
  }

  @Override
  public void run() {
    TrafficGenerator generator = new TrafficGenerator(settings);
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      client = producer;
      long base = System.nanoTime();
      long baseCount = 0;
      while (!stop.get() && failure.get() == null) {
        if (pause.get()) {
          paused.set(true);
          Thread.sleep(20);
          continue;
        }
        paused.set(false);
        long n = sent.get();
        long due = base + (long) ((n - baseCount) * 1e9 / perSecond);
        long now = System.nanoTime();
        if (due > now) {
          Thread.sleep((due - now) / 1_000_000, (int) ((due - now) % 1_000_000));
        } else if (now - due > 1_000_000_000L) {
          base = now;
          baseCount = n;
        }
        TrafficGenerator.Generated g = generator.next();
        if (control != null && !control.awaitApplied(g.eventTime(), stop::get)) {
          break;
        }
        lastEventTime.accumulateAndGet(g.eventTime(), Math::max);
        if (!g.valid()) {
          invalid.incrementAndGet();
        }
        long index = n;
        producer.send(
            new ProducerRecord<>(topic, (int) (index % partitions), g.eventTime(), null, g.bytes()),
            (metadata, e) -> {
              if (e != null) {
                failure.compareAndSet(null, new IllegalStateException("record " + index, e));
              } else {
                acknowledged.incrementAndGet();
              }
            });
        sent.incrementAndGet();
      }
      producer.flush();
    } catch (Exception e) {
      failure.compareAndSet(null, e);
    }
  }

  private KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("enable.idempotence", "true");
    p.put("acks", "all");
    p.put("max.in.flight.requests.per.connection", "5");
    p.put("retries", String.valueOf(Integer.MAX_VALUE));
    p.put("delivery.timeout.ms", "600000");
    p.put("request.timeout.ms", "15000");
    p.put("max.block.ms", "600000");
    p.put("linger.ms", "10");
    p.put("reconnect.backoff.max.ms", "1000");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /**
   * Stops sending until {@link #unpause()} and waits until every record sent is acknowledged: the
   * broker can then be restarted without a produce request in flight. (A Kafka 4.2.0 broker stopped
   * with one in flight appended the producer's retry of that batch a second time after its restart,
   * same producer id, epoch and sequence numbers, at the next offset: a duplicate that idempotence
   * should have refused, and a wrong input for the expectation.)
   */
  void pauseAndFlush() throws Exception {
    pause.set(true);
    // A record held back for a control change (ChaosControl) waits until the job applied it,
    // through a ClickHouse outage if need be: the same limit as that wait.
    long deadline = System.nanoTime() + ChaosControl.HOLD_LIMIT.toNanos();
    while (!paused.get() && isAlive() && failure.get() == null) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the chaos producer did not pause within " + ChaosControl.HOLD_LIMIT);
      }
      Thread.sleep(10);
    }
    KafkaProducer<byte[], byte[]> c = client;
    if (c != null) {
      c.flush();
    }
    check();
  }

  /** Sends again after {@link #pauseAndFlush()}. */
  void unpause() {
    pause.set(false);
  }

  /** Stops sending and waits until every sent record is acknowledged (or failed). */
  void finish() throws Exception {
    stop.set(true);
    join();
    check();
    if (acknowledged.get() != sent.get()) {
      throw new IllegalStateException(
          "sent " + sent.get() + " records, acknowledged " + acknowledged.get());
    }
  }

  /** Throws the failure of a send, if any. */
  void check() throws Exception {
    Exception e = failure.get();
    if (e != null) {
      throw new IllegalStateException("the chaos producer failed: " + e.getMessage(), e);
    }
  }

  /** The latest event time of a record sent (Long.MIN_VALUE before the first). */
  long lastEventTime() {
    return lastEventTime.get();
  }

  long sent() {
    return sent.get();
  }

  long invalid() {
    return invalid.get();
  }
}

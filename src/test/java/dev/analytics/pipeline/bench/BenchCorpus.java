package dev.analytics.pipeline.bench;

import dev.analytics.pipeline.local.EmbeddedKafka;
import dev.analytics.pipeline.local.InvalidKind;
import dev.analytics.pipeline.local.TrafficGenerator;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A topic pre-filled with generated traffic ({@link TrafficGenerator}, the generator of the local
 * run) for the throughput benchmarks: every job of a section reads the same records.
 *
 * <p>Two generator threads (seeds {@code seed} and {@code seed + 1}), each writing half the records
 * to its own half of the partitions, both starting at the same event time and each at half the
 * event rate: two producers of one service, event time advancing with the records within every
 * partition (up to the generator's 3 s of out-of-order events). Records go in batches of 1 MiB, not
 * idempotent (see {@code KafkaTopics.produce}), uncompressed ({@link #COMPRESSION}): on 2 M
 * records, warmed up, a Flink job reading and discarding them at parallelism 2 read 1.10 M/s
 * uncompressed against 0.59 M/s with lz4, and writing took 4.6 to 8.1 s against 5.9 to 18.4 s (one
 * noisy measurement, load average 15 to 26 on 2 cores; plain consumers were even).
 *
 * @param topic the topic
 * @param partitions its partitions
 * @param records records written
 * @param invalid broken records among them
 * @param invalidByKind broken records by kind
 * @param bytes total record value bytes
 * @param eventsPerSecond event time rate of the traffic (both threads together)
 * @param seconds wall time taken to generate and write
 */
public record BenchCorpus(
    String topic,
    int partitions,
    long records,
    long invalid,
    Map<InvalidKind, Long> invalidByKind,
    long bytes,
    double eventsPerSecond,
    double seconds) {

  /** Producer compression of the corpus topics. */
  public static final String COMPRESSION = "none";

  /** Creates {@code topic} and writes {@code records} generated records to it. */
  public static BenchCorpus produce(
      EmbeddedKafka kafka,
      String topic,
      int partitions,
      long records,
      double invalidFraction,
      double eventsPerSecond,
      long seed,
      String compression)
      throws Exception {
    if (partitions % 2 != 0) {
      throw new IllegalArgumentException("an even number of partitions: " + partitions);
    }
    kafka.createTopics(partitions, topic);
    int threads = 2;
    long start = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<long[]>> results = new ArrayList<>();
    List<Map<InvalidKind, Long>> kinds = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Map<InvalidKind, Long> byKind = new EnumMap<>(InvalidKind.class);
      kinds.add(byKind);
      long share = records / threads + (t < records % threads ? 1 : 0);
      results.add(
          pool.submit(
              () ->
                  write(
                      kafka.bootstrapServers(),
                      topic,
                      partitions / threads,
                      thread * (partitions / threads),
                      share,
                      new TrafficGenerator.Settings(
                          seed + thread,
                          eventsPerSecond / threads,
                          invalidFraction,
                          TrafficGenerator.Settings.DEFAULT_START,
                          0.02),
                      compression,
                      byKind)));
    }
    long invalid = 0;
    long bytes = 0;
    try {
      for (Future<long[]> f : results) {
        long[] r = f.get();
        invalid += r[0];
        bytes += r[1];
      }
    } finally {
      pool.shutdownNow();
    }
    Map<InvalidKind, Long> byKind = new EnumMap<>(InvalidKind.class);
    for (Map<InvalidKind, Long> m : kinds) {
      m.forEach((k, v) -> byKind.merge(k, v, Long::sum));
    }
    return new BenchCorpus(
        topic,
        partitions,
        records,
        invalid,
        byKind,
        bytes,
        eventsPerSecond,
        (System.nanoTime() - start) / 1e9);
  }

  /** Returns {invalid records, bytes}. */
  private static long[] write(
      String bootstrap,
      String topic,
      int partitions,
      int firstPartition,
      long n,
      TrafficGenerator.Settings settings,
      String compression,
      Map<InvalidKind, Long> byKind) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("acks", "1");
    p.put("linger.ms", "20");
    p.put("batch.size", String.valueOf(1 << 20));
    p.put("buffer.memory", String.valueOf(64 << 20));
    p.put("max.request.size", String.valueOf(8 << 20));
    p.put("compression.type", compression);
    p.put("enable.idempotence", "false");
    p.put("max.in.flight.requests.per.connection", "1");
    TrafficGenerator generator = new TrafficGenerator(settings);
    long invalid = 0;
    long bytes = 0;
    AtomicReference<Exception> error = new AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (long i = 0; i < n; i++) {
        TrafficGenerator.Generated g = generator.next();
        if (!g.valid()) {
          invalid++;
          byKind.merge(g.invalidKind(), 1L, Long::sum);
        }
        bytes += g.bytes().length;
        // Runs of 4,096 records per partition: whole batches, each partition in event time order.
        int partition = firstPartition + (int) ((i >>> 12) % partitions);
        producer.send(
            new ProducerRecord<>(topic, partition, g.eventTime(), null, g.bytes()),
            (metadata, e) -> {
              if (e != null) {
                error.compareAndSet(null, e);
              }
            });
      }
      producer.flush();
    }
    if (error.get() != null) {
      throw new IllegalStateException("producing " + topic + " failed", error.get());
    }
    return new long[] {invalid, bytes};
  }
}

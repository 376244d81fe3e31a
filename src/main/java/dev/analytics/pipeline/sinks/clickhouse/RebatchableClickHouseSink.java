package dev.analytics.pipeline.sinks.clickhouse;

import java.io.IOException;
import java.util.Collection;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.types.Either;

/**
 * A ClickHouse sink whose input also carries new row bounds for its inserts (the right side), as
 * run-time control sends them: each writer applies them when they arrive ({@link
 * ClickHouseWriter#rebatch}); rows (the left side) are written as by the sink itself.
 */
public final class RebatchableClickHouseSink<T>
    implements Sink<Either<T, BatchBounds>>, SupportsCommitter<ClickHouseCommittable> {
  private static final long serialVersionUID = 1L;

  private final ClickHouseSink<T> sink;

  public RebatchableClickHouseSink(ClickHouseSink<T> sink) {
    this.sink = sink;
  }

  @Override
  public SinkWriter<Either<T, BatchBounds>> createWriter(WriterInitContext context)
      throws IOException {
    return writer((ClickHouseWriter<T>) sink.createWriter(context));
  }

  static <T> CommittingSinkWriter<Either<T, BatchBounds>, ClickHouseCommittable> writer(
      ClickHouseWriter<T> writer) {
    return new Writer<>(writer);
  }

  @Override
  public Committer<ClickHouseCommittable> createCommitter(CommitterInitContext context) {
    return sink.createCommitter(context);
  }

  @Override
  public SimpleVersionedSerializer<ClickHouseCommittable> getCommittableSerializer() {
    return sink.getCommittableSerializer();
  }

  private static final class Writer<T>
      implements CommittingSinkWriter<Either<T, BatchBounds>, ClickHouseCommittable> {
    private final ClickHouseWriter<T> writer;

    Writer(ClickHouseWriter<T> writer) {
      this.writer = writer;
    }

    @Override
    public void write(Either<T, BatchBounds> element, Context context)
        throws IOException, InterruptedException {
      if (element.isLeft()) {
        writer.write(element.left(), context);
      } else {
        writer.rebatch(element.right().minRows, element.right().maxRows);
      }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
      writer.flush(endOfInput);
    }

    @Override
    public Collection<ClickHouseCommittable> prepareCommit()
        throws IOException, InterruptedException {
      return writer.prepareCommit();
    }

    @Override
    public void close() throws Exception {
      writer.close();
    }
  }
}

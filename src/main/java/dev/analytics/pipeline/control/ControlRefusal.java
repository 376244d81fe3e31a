package dev.analytics.pipeline.control;

/** A refused control record: the key, the value as given and why; the job kept its settings. */
public class ControlRefusal {
  public String key;
  public String value;
  public Long effectiveFrom;
  public String reason;

  /** The watermark when it was refused. */
  public long watermark;

  public long requestedAt;
  public int partition;
  public long offset;

  public ControlRefusal() {}

  static ControlRefusal of(ControlRequest request, String reason, long watermark) {
    ControlRefusal r = new ControlRefusal();
    r.key = request.key;
    r.value = request.value;
    r.effectiveFrom = request.effectiveFrom;
    r.reason = reason;
    r.watermark = watermark;
    r.requestedAt = request.requestedAt;
    r.partition = request.partition;
    r.offset = request.offset;
    return r;
  }

  @Override
  public String toString() {
    return "ControlRefusal{" + key + "=" + value + ": " + reason + "}";
  }
}

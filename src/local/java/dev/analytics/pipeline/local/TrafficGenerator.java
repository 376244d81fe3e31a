package dev.analytics.pipeline.local;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Generates realistic analytics traffic as Kafka record values: schema-v1 JSON events in UTF-8,
 * with a share of broken records, for the local run, integration tests and benchmarks.
 *
 * <p>Takes {@link Settings}; gives one {@link Generated} record per {@link #next()} call: the bytes
 * to send plus what a test needs to know about them (valid or not, which kind of broken record,
 * event type, event time, value, whether it lies inside an injected incident).
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>Deterministic: the same settings give byte-identical output, on any JVM (one {@link
 *       SplittableRandom} seeded from the settings, {@link StrictMath} for every transcendental
 *       function, no wall clock).
 *   <li>{@link Generated#valid()} is exact: a valid record satisfies every rule of schema v1 under
 *       {@code ParserSettings.DEFAULTS}; an invalid one breaks exactly one rule, named by {@link
 *       Generated#invalidKind()}.
 *   <li>event_id is unique within a generator and, with overwhelming probability, across seeds.
 *   <li>Event time follows a simulated clock that starts at {@link Settings#startEpochMillis()} and
 *       advances by exponential gaps (a Poisson process) whose rate is {@link
 *       Settings#eventsPerSecond()} times a daily rhythm (0.3x at 03:00 UTC, 1.5x at 15:00 UTC)
 *       times the incident factors. About 3% of valid events report a time up to 3 s before the
 *       clock (out of order), never before the start; all other reported times are non-decreasing.
 * </ul>
 *
 * <p>Incidents: at each minute boundary of event time, with probability {@link
 * Settings#anomalyProbabilityPerMinute()} and when none is running, one starts: a {@value #SPIKE}
 * (one event type's rate x3 to x5 for 2 to 5 minutes), a {@value #DROP} (one type's rate x0.2 for 3
 * to 6 minutes) or a {@value #LATENCY_SPIKE} (performance.response_time values x3 to x6 for 2 to 5
 * minutes). Valid events of the affected type generated while it runs carry its label; {@link
 * #incidents()} lists every incident started so far.
 *
 * <p>Not thread-safe: use one generator per thread. No Kafka here; the caller sends the bytes.
 */
public final class TrafficGenerator {

  /** Label of events inside a rate spike of their type. */
  public static final String SPIKE = "spike";

  /** Label of events inside a rate drop of their type. */
  public static final String DROP = "drop";

  /** Label of performance.response_time events inside a latency spike. */
  public static final String LATENCY_SPIKE = "latency_spike";

  /** Event types and their shares of the traffic outside incidents. */
  private static final String[] TYPES = {
    "message_processed",
    "cache_hit",
    "cache_miss",
    "performance.response_time",
    "performance.memory_usage",
    "performance.cache_hit_rate",
    "command.executed",
    "user.login",
    "template_view",
    "api.error",
    "payment.failed"
  };

  private static final double[] SHARES = {
    0.38, 0.18, 0.06, 0.15, 0.03, 0.02, 0.08, 0.04, 0.03, 0.025, 0.005
  };

  private static final int MESSAGE_PROCESSED = 0;
  private static final int CACHE_HIT = 1;
  private static final int CACHE_MISS = 2;
  private static final int RESPONSE_TIME = 3;
  private static final int MEMORY_USAGE = 4;
  private static final int CACHE_HIT_RATE = 5;
  private static final int COMMAND_EXECUTED = 6;
  private static final int USER_LOGIN = 7;
  private static final int TEMPLATE_VIEW = 8;
  private static final int API_ERROR = 9;
  private static final int PAYMENT_FAILED = 10;

  /** Types a rate spike may hit, repeated by weight (errors spike most often). */
  private static final int[] SPIKE_TYPES = {
    API_ERROR,
    API_ERROR,
    API_ERROR,
    MESSAGE_PROCESSED,
    MESSAGE_PROCESSED,
    CACHE_MISS,
    CACHE_MISS,
    USER_LOGIN,
    COMMAND_EXECUTED,
    TEMPLATE_VIEW,
    RESPONSE_TIME
  };

  private static final int[] DROP_TYPES = {
    MESSAGE_PROCESSED, MESSAGE_PROCESSED, CACHE_HIT, USER_LOGIN, TEMPLATE_VIEW, COMMAND_EXECUTED
  };

  private static final String[] TEMPLATES = {
    "tpl_welcome", "tpl_reset_password", "tpl_invoice", "tpl_reminder",
    "tpl_newsletter", "tpl_alert", "tpl_receipt", "tpl_survey"
  };
  private static final String[] JURISDICTIONS = {
    "US-CA", "US-NY", "US-TX", "EU-DE", "EU-FR", "EU-NL", "UK", "CA-ON", "AU-NSW", "JP"
  };
  private static final String[] DELIVERY_METHODS = {"email", "sms", "push", "webhook"};
  private static final String[] UTM_SOURCES = {
    "google", "direct", "newsletter", "twitter", "partner", "linkedin"
  };
  private static final String[] REGIONS = {
    "us-east-1", "eu-west-1", "us-west-2", "eu-central-1", "ap-southeast-1"
  };
  private static final String[] ENDPOINTS = {
    "/api/messages", "/api/templates", "/api/users", "/api/search", "/api/export", "/health"
  };
  private static final double[] ENDPOINT_LATENCY = {1.0, 0.8, 0.7, 1.4, 2.5, 0.1};
  private static final String[] CACHES = {"template", "session", "user_profile", "rate_limit"};
  private static final String[] COMMANDS = {
    "send", "schedule", "sync", "export", "import", "archive"
  };
  private static final String[] LOGIN_METHODS = {"password", "sso", "magic_link", "oauth_google"};
  private static final String[] API_ERROR_TYPES = {
    "timeout", "validation", "rate_limited", "internal", "not_found", "unauthorized"
  };
  private static final String[] API_ERROR_STATUS = {"504", "422", "429", "500", "404", "401"};
  private static final String[] PAYMENT_ERROR_TYPES = {
    "card_declined", "insufficient_funds", "gateway_timeout", "expired_card", "fraud_suspected"
  };
  private static final String[] PAYMENT_METHODS = {"card", "paypal", "sepa", "apple_pay"};
  private static final String[] HOSTS = {"api-1", "api-2", "api-3", "api-4"};
  private static final String[] CLIENT_OS = {"web", "ios", "android", "macos"};
  private static final String[] CLIENT_VERSIONS = {"5.2.1", "5.2.0", "5.1.4", "4.9.0"};
  private static final String[] TAGS = {"beta", "mobile", "enterprise", "trial", "eu", "retry"};

  /** Free text for properties, including characters that need escaping and non-ASCII. */
  private static final String[] NOTES = {
    "ok",
    "retried after \"timeout\"",
    "line one\nline two",
    "path C:\\temp\\export.csv",
    "tab\tseparated",
    "Zürich → Genève",
    "déjà vu ½",
    "party \uD83C\uDF89 time",
    "control \u0001 char"
  };

  private static final String[] UNKNOWN_FIELDS = {
    "\"sdk\":\"js/3.4.1\"", "\"schema_version\":1", "\"sdk\":\"android/7.0.2\""
  };

  private static final String[] FORBIDDEN_EVENT_TYPES = {
    "api error", "user/login", "cache_hit!", "payment.failed?", "cmd#run", "täg", "a,b", "x\ty"
  };
  private static final String[] NOT_DATES = {
    "\"yesterday\"", "\"not-a-date\"", "\"2026-13-45T25:61:00Z\"", "\"22/11/2026 10:15:00\""
  };
  private static final String[] INVALID_PRIORITIES = {
    "\"urgent\"", "\"critical\"", "\"p1\"", "\"HIGHEST\""
  };
  private static final String[] NON_STRING_DIM_VALUES = {
    "42", "true", "3.5", "{\"x\":\"y\"}", "[\"a\",\"b\"]"
  };
  private static final String[] NON_NUMBER_VALUES = {"\"fast\"", "\"slow\"", "true", "\"n/a\""};
  private static final String[] NON_FINITE_TOKENS = {"NaN", "Infinity", "-Infinity"};
  private static final String[] OVERFLOWING_NUMBERS = {"1e999", "-2.5e400", "9e308"};
  private static final byte[][] BAD_UTF8 = {
    {(byte) 0xFF},
    {(byte) 0xC3, (byte) 0x28},
    {(byte) 0x80},
    {(byte) 0xC0, (byte) 0xAF},
    {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
    {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}
  };
  private static final InvalidKind[] INVALID_KINDS = InvalidKind.values();

  /** JSON string literals that decode to text no database stores as sent. */
  private static final String[] UNSTORABLE_STRINGS = {
    "\"u\\ud800\"", "\"\\udfff-7\"", "\"u\\ude00\\ud83d\"", "\"u\\u0000x\""
  };

  /** How far ahead the clocks of CLOCK_AHEAD clients run: an hour, a day, 70 years. */
  private static final long[] CLOCK_AHEAD_BY = {3_600_000L, 86_400_000L, 70L * 365 * 86_400_000L};

  private static final long MINUTE = 60_000L;
  private static final long DAY = 86_400_000L;
  private static final long EARLIEST_START = Instant.parse("2000-01-02T00:00:00Z").toEpochMilli();
  private static final long LATEST_START = Instant.parse("2090-01-01T00:00:00Z").toEpochMilli();
  private static final long END_OF_CLOCK = Instant.parse("2099-12-31T00:00:00Z").toEpochMilli();
  private static final long YEAR_2999 = LocalDate.of(2999, 1, 1).toEpochDay() * DAY;
  private static final long[] POW10 = {1, 10, 100, 1000, 10_000};

  /**
   * What to generate.
   *
   * @param seed decides everything; same settings, same bytes
   * @param eventsPerSecond mean rate in events per second of event time, before the daily rhythm
   *     (whose mean over a day is 0.9) and incidents
   * @param invalidFraction share of records that are broken, in [0, 1]
   * @param startEpochMillis event time of the start, between 2000-01-02 and 2090-01-01
   * @param anomalyProbabilityPerMinute chance that an incident starts at a minute boundary of event
   *     time, in [0, 1]
   * @param idTypeFraction share of valid events, in [0, 1], from a client that writes an item id
   *     into the event type ({@code page_view.id_3k}): up to {@link #ID_TYPES} ids per event type
   *     (8,800 types more), a few of them frequent, most seen a few times; below the job's default
   *     cap of 10,000 event types, so that every one is aggregated exactly
   */
  public record Settings(
      long seed,
      double eventsPerSecond,
      double invalidFraction,
      long startEpochMillis,
      double anomalyProbabilityPerMinute,
      double idTypeFraction) {

    /** How many item ids the event types of {@code idTypeFraction} draw from, per event type. */
    public static final int ID_TYPES = 800;

    /** 2026-11-22T00:00:00Z, the start used by {@link #defaults(long)}. */
    public static final long DEFAULT_START = Instant.parse("2026-11-22T00:00:00Z").toEpochMilli();

    public Settings {
      if (!(eventsPerSecond > 0) || !Double.isFinite(eventsPerSecond)) {
        throw new IllegalArgumentException(
            "eventsPerSecond must be positive and finite: " + eventsPerSecond);
      }
      if (!(invalidFraction >= 0 && invalidFraction <= 1)) {
        throw new IllegalArgumentException("invalidFraction must be in [0, 1]: " + invalidFraction);
      }
      if (!(anomalyProbabilityPerMinute >= 0 && anomalyProbabilityPerMinute <= 1)) {
        throw new IllegalArgumentException(
            "anomalyProbabilityPerMinute must be in [0, 1]: " + anomalyProbabilityPerMinute);
      }
      if (!(idTypeFraction >= 0 && idTypeFraction <= 1)) {
        throw new IllegalArgumentException("idTypeFraction must be in [0, 1]: " + idTypeFraction);
      }
      if (startEpochMillis < EARLIEST_START || startEpochMillis >= LATEST_START) {
        throw new IllegalArgumentException(
            "startEpochMillis must be between 2000-01-02 and 2090-01-01: "
                + Instant.ofEpochMilli(startEpochMillis));
      }
    }

    /** Without event types that carry ids. */
    public Settings(
        long seed,
        double eventsPerSecond,
        double invalidFraction,
        long startEpochMillis,
        double anomalyProbabilityPerMinute) {
      this(
          seed, eventsPerSecond, invalidFraction, startEpochMillis, anomalyProbabilityPerMinute, 0);
    }

    /** 1000 events/s from {@link #DEFAULT_START}, 1% invalid, incidents at 2% per minute. */
    public static Settings defaults(long seed) {
      return new Settings(seed, 1000, 0.01, DEFAULT_START, 0.02);
    }
  }

  /**
   * One generated record.
   *
   * @param bytes the Kafka record value
   * @param valid whether the record satisfies schema v1
   * @param eventType the event type of a valid record, null for an invalid one
   * @param eventTime the event time a valid record carries (epoch ms); for an invalid one, the
   *     simulated clock when it was generated
   * @param value the value of a valid record exactly as written, null when absent or invalid
   * @param anomaly {@link #SPIKE}, {@link #DROP} or {@link #LATENCY_SPIKE} when the valid event
   *     lies inside an incident that affects its type, else null
   * @param eventId the event_id of a valid record, null for an invalid one
   * @param invalidKind how an invalid record is broken, null for a valid one
   */
  public record Generated(
      byte[] bytes,
      boolean valid,
      String eventType,
      long eventTime,
      Double value,
      String anomaly,
      String eventId,
      InvalidKind invalidKind) {}

  /**
   * An injected incident.
   *
   * @param kind {@link #SPIKE}, {@link #DROP} or {@link #LATENCY_SPIKE}
   * @param eventType the affected event type
   * @param startMillis event time of the start (a minute boundary), inclusive
   * @param endMillis event time of the end, exclusive
   * @param factor the multiplier of the type's rate (spike, drop) or of its values (latency spike)
   */
  public record Incident(
      String kind, String eventType, long startMillis, long endMillis, double factor) {
    /** The same incident moved to start at {@code start} (its length kept). */
    Incident withStart(long start) {
      return new Incident(kind, eventType, start, start + endMillis - startMillis, factor);
    }
  }

  /** Each event type with its share of valid traffic outside incidents; the shares sum to 1. */
  public static Map<String, Double> eventTypeShares() {
    Map<String, Double> shares = new LinkedHashMap<>();
    for (int i = 0; i < TYPES.length; i++) {
      shares.put(TYPES[i], SHARES[i]);
    }
    return Collections.unmodifiableMap(shares);
  }

  /** Generates {@code n} records with a fresh generator. */
  public static List<Generated> batch(Settings settings, int n) {
    TrafficGenerator generator = new TrafficGenerator(settings);
    List<Generated> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(generator.next());
    }
    return out;
  }

  private final Settings settings;
  private final SplittableRandom random;
  private final String idPrefix;
  private final double[] weights = SHARES.clone();
  private double weightSum = 1.0;
  private final double[] memoryMb = new double[HOSTS.length];
  private final List<Incident> incidents = new ArrayList<>();
  private final Draft draft = new Draft();
  private final JsonBuffer text = new JsonBuffer(1024);
  private final JsonBuffer scratch = new JsonBuffer(256);

  /** Event time elapsed since the start, in fractional milliseconds (precise at high rates). */
  private double elapsedMs;

  private long nextMinute;
  private Incident active;

  /** A spike requested by {@link #injectSpike}, started at the next minute boundary. */
  private Incident requested;

  private long counter;
  private double spareGaussian;
  private boolean hasSpareGaussian;

  public TrafficGenerator(Settings settings) {
    this.settings = settings;
    this.random = new SplittableRandom(settings.seed());
    this.idPrefix = Long.toString(mix(settings.seed()) >>> 24, 36);
    for (int i = 0; i < memoryMb.length; i++) {
      memoryMb[i] = 448 + 128 * random.nextDouble();
    }
    long start = settings.startEpochMillis();
    this.nextMinute = start - Math.floorMod(start, MINUTE) + MINUTE;
  }

  /** Incidents started so far, oldest first. */
  public List<Incident> incidents() {
    return Collections.unmodifiableList(new ArrayList<>(incidents));
  }

  /**
   * The next record; advances the simulated event-time clock by an exponential gap whose mean is
   * the inverse of the current rate (base rate x daily rhythm x incident factors).
   */
  public Generated next() {
    long now = advanceClock();
    int type = pickType();
    counter++;
    if (settings.invalidFraction() > 0 && random.nextDouble() < settings.invalidFraction()) {
      return invalid(type, now);
    }
    fillValid(type, now);
    byte[] bytes = render();
    String anomaly = null;
    if (active != null && active.eventType().equals(draft.eventType)) {
      anomaly = active.kind();
    }
    Double value = draft.hasValue ? draft.valueUnits / (double) POW10[draft.valueScale] : null;
    return new Generated(
        bytes, true, draft.eventType, draft.tsMillis, value, anomaly, draft.eventId, null);
  }

  // ---- clock, rhythm and incidents ----

  private long advanceClock() {
    long start = settings.startEpochMillis();
    double ratePerMs =
        settings.eventsPerSecond() * dayFactor(start + (long) elapsedMs) * weightSum / 1000.0;
    elapsedMs += -StrictMath.log(1.0 - random.nextDouble()) / ratePerMs;
    long now = start + (long) elapsedMs;
    if (now >= END_OF_CLOCK) {
      throw new IllegalStateException("The simulated clock ran past 2099-12-31");
    }
    while (now >= nextMinute) {
      if (active != null && active.endMillis() <= nextMinute) {
        endIncident();
      }
      if (requested != null) {
        if (active != null) {
          endIncident();
        }
        startIncident(requested.withStart(nextMinute));
        requested = null;
      } else if (active == null && random.nextDouble() < settings.anomalyProbabilityPerMinute()) {
        startIncident(nextMinute);
      }
      nextMinute += MINUTE;
    }
    if (active != null && active.endMillis() <= now) {
      endIncident();
    }
    return now;
  }

  /** 0.9 + 0.6 cos: 1.5 at 15:00 UTC, 0.3 at 03:00 UTC. */
  private static double dayFactor(long epochMillis) {
    double hour = Math.floorMod(epochMillis, DAY) / 3_600_000.0;
    return 0.9 + 0.6 * StrictMath.cos(2 * Math.PI * (hour - 15) / 24);
  }

  private void startIncident(long start) {
    double u = random.nextDouble();
    int type;
    String kind;
    double factor;
    long duration;
    if (u < 0.45) {
      kind = SPIKE;
      type = SPIKE_TYPES[random.nextInt(SPIKE_TYPES.length)];
      factor = 3 + 2 * random.nextDouble();
      duration = 2 * MINUTE + random.nextLong(3 * MINUTE + 1);
    } else if (u < 0.7) {
      kind = DROP;
      type = DROP_TYPES[random.nextInt(DROP_TYPES.length)];
      factor = 0.2;
      duration = 3 * MINUTE + random.nextLong(3 * MINUTE + 1);
    } else {
      kind = LATENCY_SPIKE;
      type = RESPONSE_TIME;
      factor = 3 + 3 * random.nextDouble();
      duration = 2 * MINUTE + random.nextLong(3 * MINUTE + 1);
    }
    startIncident(new Incident(kind, TYPES[type], start, start + duration, factor));
  }

  private void startIncident(Incident incident) {
    active = incident;
    incidents.add(active);
    if (!incident.kind().equals(LATENCY_SPIKE)) {
      int type = Arrays.asList(TYPES).indexOf(incident.eventType());
      weights[type] = SHARES[type] * incident.factor();
      updateWeightSum();
    }
  }

  /**
   * Requests a rate spike of {@code eventType}: from the next minute boundary of event time, its
   * rate is {@code factor} times its usual one for {@code durationMillis} of event time (an
   * incident running then ends there). The local run's {@code generator.spike-at}: a spike known in
   * advance, which the pattern detection must report.
   *
   * @throws IllegalArgumentException for an event type the generator does not write, a factor not
   *     above 0 or a duration not above 0
   */
  public void injectSpike(String eventType, double factor, long durationMillis) {
    if (!Arrays.asList(TYPES).contains(eventType)) {
      throw new IllegalArgumentException(
          "Not a generated event type: " + eventType + " (one of " + Arrays.toString(TYPES) + ")");
    }
    if (!(factor > 0) || !Double.isFinite(factor) || durationMillis <= 0) {
      throw new IllegalArgumentException(
          "The factor and the duration must be positive: " + factor + ", " + durationMillis);
    }
    requested = new Incident(SPIKE, eventType, 0, durationMillis, factor);
  }

  private void endIncident() {
    System.arraycopy(SHARES, 0, weights, 0, SHARES.length);
    updateWeightSum();
    active = null;
  }

  private void updateWeightSum() {
    double sum = 0;
    for (double w : weights) {
      sum += w;
    }
    weightSum = sum;
  }

  private int pickType() {
    double u = random.nextDouble() * weightSum;
    for (int i = 0; i < weights.length - 1; i++) {
      u -= weights[i];
      if (u < 0) {
        return i;
      }
    }
    return weights.length - 1;
  }

  // ---- valid events ----

  private void fillValid(int type, long now) {
    Draft d = draft;
    d.reset();
    d.eventId = idPrefix + '-' + Long.toString(counter, 36);
    d.eventType = TYPES[type];
    if (settings.idTypeFraction() > 0 && random.nextDouble() < settings.idTypeFraction()) {
      d.eventType = TYPES[type] + ".id_" + Integer.toString(skewed(Settings.ID_TYPES), 36);
    }
    // Never before the start: the first window holds no stray early events (a window of a few
    // events before a full one, which the pattern detection would learn as the key's first value).
    d.tsMillis =
        random.nextDouble() < 0.03
            ? Math.max(settings.startEpochMillis(), now - random.nextInt(3001))
            : now;
    double u = random.nextDouble();
    if (u < 0.86) {
      d.tsMode = Draft.TS_ISO;
    } else if (u < 0.95) {
      d.tsMode = Draft.TS_EPOCH;
    } else {
      d.tsMode = Draft.TS_ISO;
      double v = random.nextDouble();
      d.tsOffsetMinutes = v < 0.8 ? 120 : v < 0.9 ? 330 : -300;
    }
    d.tsFirst = random.nextDouble() < 0.1;
    d.spaced = random.nextDouble() < 0.05;
    if (random.nextDouble() < 0.75) {
      d.userId = "u_" + Integer.toString(skewed(5000), 36);
    }
    if (random.nextDouble() < 0.9) {
      d.tenantId = "tenant_" + (1 + skewed(12));
    }
    double propertiesChance = 0.04;
    switch (type) {
      case MESSAGE_PROCESSED -> {
        d.category = random.nextDouble() < 0.95 ? "messaging" : null;
        d.dim("template_id", pickSkewed(TEMPLATES));
        d.dim("delivery_method", pick(DELIVERY_METHODS));
        d.dim("jurisdiction", pickSkewed(JURISDICTIONS));
      }
      case CACHE_HIT, CACHE_MISS -> {
        d.category = random.nextDouble() < 0.95 ? "cache" : null;
        d.dim("cache", pickSkewed(CACHES));
        d.dim("region", pickSkewed(REGIONS));
      }
      case RESPONSE_TIME -> {
        d.category = "performance";
        int endpoint = skewed(ENDPOINTS.length);
        double ms = 80 * ENDPOINT_LATENCY[endpoint] * StrictMath.exp(0.6 * gaussian());
        if (random.nextDouble() < 0.02) {
          // Pareto tail (alpha 1.5): the occasional very slow request.
          ms *= Math.min(50, StrictMath.pow(1 - random.nextDouble(), -1 / 1.5));
        }
        if (active != null && active.kind().equals(LATENCY_SPIKE)) {
          ms *= active.factor();
        }
        d.value(Math.min(ms, 120_000), 3);
        d.dim("endpoint", ENDPOINTS[endpoint]);
        d.dim("region", pickSkewed(REGIONS));
      }
      case MEMORY_USAGE -> {
        d.category = "performance";
        int host = random.nextInt(HOSTS.length);
        double target = 512 + 48 * StrictMath.sin(2 * Math.PI * Math.floorMod(now, DAY) / DAY);
        double mb = memoryMb[host] + 0.05 * (target - memoryMb[host]) + 3 * gaussian();
        memoryMb[host] = Math.max(64, mb);
        d.value(memoryMb[host], 1);
        d.dim("host", HOSTS[host]);
        d.dim("region", REGIONS[host % REGIONS.length]);
      }
      case CACHE_HIT_RATE -> {
        d.category = "performance";
        d.value(Math.max(0, Math.min(1, 0.78 + 0.05 * gaussian())), 4);
        d.dim("cache", pickSkewed(CACHES));
      }
      case COMMAND_EXECUTED -> {
        d.category = "command";
        if (random.nextDouble() < 0.6) {
          d.value(25 * StrictMath.exp(0.8 * gaussian()), 2);
        }
        d.dim("command", pickSkewed(COMMANDS));
      }
      case USER_LOGIN -> {
        d.category = "auth";
        d.dim("method", pickSkewed(LOGIN_METHODS));
        d.dim("utm_source", pickSkewed(UTM_SOURCES));
        d.dim("jurisdiction", pickSkewed(JURISDICTIONS));
      }
      case TEMPLATE_VIEW -> {
        d.category = "engagement";
        d.dim("template_id", pickSkewed(TEMPLATES));
        d.dim("jurisdiction", pickSkewed(JURISDICTIONS));
        d.dim("delivery_method", pick(DELIVERY_METHODS));
        d.dim("utm_source", pickSkewed(UTM_SOURCES));
      }
      case API_ERROR -> {
        d.category = "error";
        int error = skewed(API_ERROR_TYPES.length);
        d.dim("error_type", API_ERROR_TYPES[error]);
        d.dim("status_code", API_ERROR_STATUS[error]);
        d.dim("endpoint", pickSkewed(ENDPOINTS));
        d.dim("region", pickSkewed(REGIONS));
        propertiesChance = 0.2;
      }
      case PAYMENT_FAILED -> {
        d.category = "error";
        d.value(40 * StrictMath.exp(0.9 * gaussian()), 2);
        d.dim("error_type", pickSkewed(PAYMENT_ERROR_TYPES));
        d.dim("payment_method", pickSkewed(PAYMENT_METHODS));
        d.dim("jurisdiction", pickSkewed(JURISDICTIONS));
        propertiesChance = 0.5;
      }
      default -> throw new IllegalStateException("unknown type " + type);
    }
    if (type == API_ERROR || type == PAYMENT_FAILED) {
      d.priority = random.nextDouble() < 0.3 ? "high" : null;
    } else if (random.nextDouble() < 0.02) {
      double v = random.nextDouble();
      d.priority = v < 0.15 ? "high" : v < 0.6 ? "normal" : "low";
    }
    if (random.nextDouble() < propertiesChance) {
      d.properties = properties();
    }
    if (random.nextDouble() < 0.02) {
      d.extra = pick(UNKNOWN_FIELDS);
    }
  }

  private byte[] properties() {
    JsonBuffer p = scratch;
    p.clear();
    p.append("{\"session_id\":\"s_").append(Long.toHexString(random.nextLong() >>> 16));
    p.append("\",\"attempt\":").append(1 + skewed(4));
    p.append(",\"client\":{\"os\":").appendString(pick(CLIENT_OS));
    p.append(",\"version\":").appendString(pick(CLIENT_VERSIONS));
    p.append("},\"tags\":[").appendString(pick(TAGS)).append(',').appendString(pick(TAGS));
    p.append("],\"note\":").appendString(pick(NOTES)).append('}');
    return p.toByteArray();
  }

  // ---- invalid records ----

  private Generated invalid(int type, long now) {
    InvalidKind kind = INVALID_KINDS[random.nextInt(INVALID_KINDS.length)];
    byte[] bytes = invalidBytes(kind, type, now);
    return new Generated(bytes, false, null, now, null, null, null, kind);
  }

  private byte[] invalidBytes(InvalidKind kind, int type, long now) {
    fillValid(type, now);
    Draft d = draft;
    switch (kind) {
      case EMPTY_RECORD -> {
        return new byte[0];
      }
      case JSON_SCALAR -> {
        String[] scalars = {
          "42", "true", "3.14", "\"" + TYPES[type] + "\"", "\"{\\\"event_id\\\":\\\"x1\\\"}\""
        };
        return pick(scalars).getBytes(StandardCharsets.UTF_8);
      }
      case MALFORMED_JSON -> {
        return malformed();
      }
      case TRUNCATED -> {
        d.tsMode = Draft.TS_ISO; // a cut epoch number could be read as a (bad) shorter one
        render();
        int cut = 1 + random.nextInt(text.length() - 1);
        while ((text.byteAt(cut) & 0xC0) == 0x80) {
          cut--; // never split a multi-byte character: the record must stay valid UTF-8
        }
        text.truncate(cut);
        return text.toByteArray();
      }
      case INVALID_UTF8 -> {
        render();
        int key = text.indexOf("\"event_id\"", 0);
        int at = text.indexOf("\"", key + "\"event_id\"".length()) + 1;
        text.insert(at, BAD_UTF8[random.nextInt(BAD_UTF8.length)]);
        return text.toByteArray();
      }
      case JSON_ARRAY -> {
        byte[] event = render();
        text.clear();
        text.append('[').append(event);
        if (random.nextBoolean()) {
          text.append(',').append(event);
        }
        return text.append(']').toByteArray();
      }
      case MISSING_FIELD -> {
        double u = random.nextDouble();
        if (u < 0.5) {
          d.raw[Draft.ID] = Draft.OMIT;
        } else if (u < 0.65) {
          d.raw[Draft.ID] = "null";
        } else if (u < 0.8) {
          d.raw[Draft.TYPE] = Draft.OMIT;
        } else {
          d.raw[Draft.TS] = Draft.OMIT;
        }
      }
      case EMPTY_EVENT_ID -> d.raw[Draft.ID] = "\"\"";
      case EVENT_ID_TOO_LONG -> {
        char[] id = new char[129 + random.nextInt(200)];
        Arrays.fill(id, 'x');
        d.eventId = d.eventId + '-' + new String(id);
      }
      case VALUE_NOT_A_NUMBER -> d.raw[Draft.VALUE] = pick(NON_NUMBER_VALUES);
      case NAN_VALUE -> d.raw[Draft.VALUE] = pick(NON_FINITE_TOKENS);
      case OVERFLOWING_VALUE -> d.raw[Draft.VALUE] = pick(OVERFLOWING_NUMBERS);
      case FORBIDDEN_CHAR_IN_EVENT_TYPE -> d.eventType = pick(FORBIDDEN_EVENT_TYPES);
      case TIMESTAMP_WITHOUT_ZONE -> {
        scratch.clear();
        StringBuilder ts = new StringBuilder(scratch.append('"').appendIso(now, 0).toString());
        ts.setLength(ts.length() - 1); // drop the Z
        int variant = random.nextInt(3);
        if (variant == 1) {
          ts.setLength(20); // "yyyy-MM-ddTHH:mm:ss
          ts.setCharAt(11, ' ');
        } else if (variant == 2) {
          ts.setLength(11); // "yyyy-MM-dd
        }
        d.raw[Draft.TS] = ts.append('"').toString();
      }
      case UNPARSEABLE_TIMESTAMP ->
          d.raw[Draft.TS] = random.nextInt(5) == 0 ? now + ".5" : pick(NOT_DATES);
      case ABSURD_TIMESTAMP -> {
        int variant = random.nextInt(3);
        if (variant == 0) {
          d.raw[Draft.TS] = Long.toString(now / 1000);
        } else {
          long at = (variant == 1 ? 0 : YEAR_2999) + random.nextLong(364 * DAY);
          scratch.clear();
          d.raw[Draft.TS] = scratch.append('"').appendIso(at, 0).append('"').toString();
        }
      }
      case NON_STRING_DIMENSION -> {
        d.dimRawIndex = random.nextInt(d.dimCount);
        d.dimRawValue = pick(NON_STRING_DIM_VALUES);
      }
      case TOO_MANY_DIMENSIONS -> {
        int target = 17 + random.nextInt(8);
        for (int i = 0; d.dimCount < target; i++) {
          d.dim("label_" + i, "v" + random.nextInt(100));
        }
      }
      case EMPTY_DIMENSION_KEY -> d.dim("", pick(REGIONS));
      case FIELD_OF_WRONG_TYPE -> {
        switch (random.nextInt(4)) {
          case 0 -> d.raw[Draft.USER] = Integer.toString(1 + random.nextInt(99_999));
          case 1 -> d.raw[Draft.CATEGORY] = "7";
          case 2 -> d.raw[Draft.TENANT] = "true";
          default -> d.raw[Draft.DIMS] = "[\"region\",\"eu-west-1\"]";
        }
      }
      case INVALID_PRIORITY -> d.raw[Draft.PRIORITY] = pick(INVALID_PRIORITIES);
      case UNSTORABLE_STRING -> d.raw[Draft.USER] = pick(UNSTORABLE_STRINGS);
      case CLOCK_AHEAD ->
          d.raw[Draft.TS] =
              Long.toString(now + CLOCK_AHEAD_BY[random.nextInt(CLOCK_AHEAD_BY.length)]);
      case DUPLICATE_FIELD -> {
        if (random.nextBoolean()) {
          d.extra = "\"event_type\":\"" + TYPES[random.nextInt(TYPES.length)] + "\"";
        } else {
          d.extra = "\"timestamp\":" + now;
        }
      }
      case NESTING_TOO_DEEP -> {
        int depth = 40 + random.nextInt(21);
        StringBuilder nested = new StringBuilder(depth * 7);
        for (int i = 0; i < depth; i++) {
          nested.append("{\"a\":");
        }
        nested.append('1');
        for (int i = 0; i < depth; i++) {
          nested.append('}');
        }
        d.raw[Draft.PROPS] = nested.toString();
      }
      default -> throw new IllegalStateException("unhandled kind " + kind);
    }
    return render();
  }

  private byte[] malformed() {
    draft.spaced = false;
    int variant = random.nextInt(5);
    if (variant == 2) {
      draft.raw[Draft.TYPE] = "'" + draft.eventType + "'";
    }
    render();
    switch (variant) {
      case 0 -> text.delete(text.indexOf(",", 0)); // the first separator: no string before it
      case 1 -> { // unquote the first key
        text.delete(text.indexOf("\"", 2));
        text.delete(1);
      }
      case 3 -> text.insert(text.length() - 1, new byte[] {','});
      case 4 -> text.append('}');
      default -> {}
    }
    return text.toByteArray();
  }

  private byte[] render() {
    text.clear();
    draft.render(text);
    return text.toByteArray();
  }

  // ---- randomness ----

  private String pick(String[] values) {
    return values[random.nextInt(values.length)];
  }

  private String pickSkewed(String[] values) {
    return values[skewed(values.length)];
  }

  /** An index in [0, n) where small indexes are more likely (density ~ 1/sqrt). */
  private int skewed(int n) {
    double u = random.nextDouble();
    return (int) (u * u * n);
  }

  /** Standard normal (Marsaglia polar method). */
  private double gaussian() {
    if (hasSpareGaussian) {
      hasSpareGaussian = false;
      return spareGaussian;
    }
    double x;
    double y;
    double s;
    do {
      x = 2 * random.nextDouble() - 1;
      y = 2 * random.nextDouble() - 1;
      s = x * x + y * y;
    } while (s >= 1 || s == 0);
    double m = StrictMath.sqrt(-2 * StrictMath.log(s) / s);
    spareGaussian = y * m;
    hasSpareGaussian = true;
    return x * m;
  }

  /** SplitMix64 finaliser: spreads seeds so that nearby seeds give unrelated id prefixes. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /**
   * The fields of one event before it is written. Each field is either typed (written from the
   * fields below), absent, or replaced by raw JSON text through {@link #raw} (how broken records
   * are made); {@link #OMIT} there drops a field that would be written.
   */
  private static final class Draft {
    static final int ID = 0;
    static final int TYPE = 1;
    static final int TS = 2;
    static final int VALUE = 3;
    static final int CATEGORY = 4;
    static final int PRIORITY = 5;
    static final int USER = 6;
    static final int TENANT = 7;
    static final int DIMS = 8;
    static final int PROPS = 9;

    static final String[] KEYS = {
      "event_id",
      "event_type",
      "timestamp",
      "value",
      "category",
      "priority",
      "user_id",
      "tenant_id",
      "dimensions",
      "properties"
    };
    static final int[] ORDER = {ID, TYPE, TS, VALUE, CATEGORY, PRIORITY, USER, TENANT, DIMS, PROPS};
    static final int[] ORDER_TS_FIRST = {
      TS, TYPE, ID, USER, TENANT, CATEGORY, PRIORITY, VALUE, DIMS, PROPS
    };

    /** A distinct instance, compared by identity. */
    static final String OMIT = new String("<omit>");

    static final int TS_ISO = 0;
    static final int TS_EPOCH = 1;

    String eventId;
    String eventType;
    long tsMillis;
    int tsMode;
    int tsOffsetMinutes;
    boolean hasValue;
    long valueUnits;
    int valueScale;
    String category;
    String priority;
    String userId;
    String tenantId;
    final String[] dimKeys = new String[32];
    final String[] dimValues = new String[32];
    int dimCount;
    int dimRawIndex;
    String dimRawValue;
    byte[] properties;
    String extra;
    boolean tsFirst;
    boolean spaced;
    final String[] raw = new String[KEYS.length];

    void reset() {
      eventId = null;
      eventType = null;
      tsOffsetMinutes = 0;
      hasValue = false;
      category = null;
      priority = null;
      userId = null;
      tenantId = null;
      dimCount = 0;
      dimRawIndex = -1;
      dimRawValue = null;
      properties = null;
      extra = null;
      Arrays.fill(raw, null);
    }

    void dim(String key, String value) {
      dimKeys[dimCount] = key;
      dimValues[dimCount] = value;
      dimCount++;
    }

    /** Rounds {@code v} (non-negative) to {@code scale} decimals, as it will be written. */
    void value(double v, int scale) {
      hasValue = true;
      valueUnits = Math.round(v * POW10[scale]);
      valueScale = scale;
    }

    boolean present(int field) {
      return switch (field) {
        case ID -> eventId != null;
        case TYPE -> eventType != null;
        case TS -> true;
        case VALUE -> hasValue;
        case CATEGORY -> category != null;
        case PRIORITY -> priority != null;
        case USER -> userId != null;
        case TENANT -> tenantId != null;
        case DIMS -> dimCount > 0;
        case PROPS -> properties != null;
        default -> false;
      };
    }

    void render(JsonBuffer out) {
      String separator = spaced ? ", " : ",";
      String colon = spaced ? ": " : ":";
      out.append('{');
      boolean first = true;
      for (int field : tsFirst ? ORDER_TS_FIRST : ORDER) {
        String rawText = raw[field];
        if (rawText == OMIT || (rawText == null && !present(field))) {
          continue;
        }
        if (!first) {
          out.append(separator);
        }
        first = false;
        out.append('"').append(KEYS[field]).append('"').append(colon);
        if (rawText != null) {
          out.append(rawText);
        } else {
          writeTyped(out, field, separator, colon);
        }
      }
      if (extra != null) {
        out.append(separator).append(extra);
      }
      out.append('}');
    }

    private void writeTyped(JsonBuffer out, int field, String separator, String colon) {
      switch (field) {
        case ID -> out.appendString(eventId);
        case TYPE -> out.appendString(eventType);
        case TS -> {
          if (tsMode == TS_EPOCH) {
            out.append(tsMillis);
          } else {
            out.append('"').appendIso(tsMillis, tsOffsetMinutes).append('"');
          }
        }
        case VALUE -> out.appendDecimal(valueUnits, valueScale);
        case CATEGORY -> out.appendString(category);
        case PRIORITY -> out.appendString(priority);
        case USER -> out.appendString(userId);
        case TENANT -> out.appendString(tenantId);
        case DIMS -> {
          out.append('{');
          for (int i = 0; i < dimCount; i++) {
            if (i > 0) {
              out.append(separator);
            }
            out.appendString(dimKeys[i]).append(colon);
            if (i == dimRawIndex) {
              out.append(dimRawValue);
            } else {
              out.appendString(dimValues[i]);
            }
          }
          out.append('}');
        }
        case PROPS -> out.append(properties);
        default -> throw new IllegalStateException("field " + field);
      }
    }
  }
}

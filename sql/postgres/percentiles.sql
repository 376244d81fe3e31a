-- Percentiles and the standard deviation over any range of windows and any subset of dimensions,
-- merged in SQL from the rows of analytics_window_aggregate (001_window_aggregates.sql): no rollup
-- has to be configured for them. The job does not run this file; run it once per database (or
-- schema) with  psql -f sql/postgres/percentiles.sql  (PostgreSQL 9.6 and later). If
-- postgres.table.aggregates names another table, replace analytics_window_aggregate below.
--
-- The percentiles are those the job's own sketch gives for the same rows merged (same rank rule,
-- same bin values): within 0.75% relative error of the exact ones. The standard deviation is exact
-- (Chan's formula). Details: docs/postgresql.md, "Percentiles and variance over any range".
--
--   SELECT merged_p99 FROM window_percentiles('performance.response_time', '1m',
--                                             now() - interval '7 days', now());
--   SELECT * FROM window_percentiles('performance.response_time', '1m',
--                                    now() - interval '1 day', now(), '{"region": "eu"}');

-- The value of a sketch bin key: a key k > 0 is the bin of index i = k - 100000 of the positive
-- values, whose value is gamma^i * (1 + a) with a = 0.0075 and gamma = (1 + a) / (1 - a), computed
-- as exp(i / 66.66541664791599) * 1.0075 exactly as the job does; k < 0 the same for -value, 0 is
-- zero.
CREATE OR REPLACE FUNCTION sketch_value(k integer) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT CASE
    WHEN k > 0 THEN exp((k - 100000)::double precision / '66.66541664791599'::double precision)
                    * '1.0075'::double precision
    WHEN k < 0 THEN -(exp((-k - 100000)::double precision / '66.66541664791599'::double precision)
                      * '1.0075'::double precision)
    ELSE 0::double precision
  END
$$;

-- The q-quantile of sketch bins: keys and counts of any number of rows concatenated (equal keys
-- are added up, which merges the sketches), e.g. array_agg of their unnest. With N the number of
-- values, the value of the first key in ascending order whose running count exceeds q * (N - 1).
-- NULL without bins. Clamp it into [min(min), max(max)] of the rows as the job does (or use
-- window_percentiles).
CREATE OR REPLACE FUNCTION sketch_quantile(keys integer[], counts double precision[],
                                           q double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
  SELECT sketch_value(ranked.k)
  FROM (
    SELECT b.k,
           sum(sum(b.c)) OVER (ORDER BY b.k) AS running,
           sum(sum(b.c)) OVER ()             AS total
    FROM unnest(keys, counts) AS b(k, c)
    GROUP BY b.k
  ) ranked
  WHERE ranked.running > q * (ranked.total - 1)
  ORDER BY ranked.k
  LIMIT 1
$$;

-- p50..p99.9, mean and standard deviations of one event type over the windows of one granularity
-- starting in [since, until) whose dimensions contain dims ('{}': all of them, '{"region": "eu"}':
-- every row with region eu, whatever its other dimensions). merged_values counts the values;
-- sketched_values those with bins: less when some rows predate the bins.
CREATE OR REPLACE FUNCTION window_percentiles(event text, grain text, since timestamptz,
                                              until timestamptz, dims jsonb DEFAULT '{}')
RETURNS TABLE (merged_values bigint, sketched_values double precision,
               merged_p50 double precision, merged_p75 double precision,
               merged_p90 double precision, merged_p95 double precision,
               merged_p99 double precision, merged_p999 double precision,
               merged_mean double precision, merged_stddev_pop double precision,
               merged_stddev_sample double precision)
LANGUAGE sql STABLE AS $$
  WITH selected AS (
    SELECT a.value_count::double precision AS n, a.mean, a.variance_pop, a.min, a.max,
           a.sketch_index, a.sketch_count
    FROM analytics_window_aggregate a
    WHERE a.event_type = event AND a.granularity = grain
      AND a.window_start >= since AND a.window_start < until
      AND a.dimensions @> dims AND a.value_count > 0
  ),
  merged AS (
    SELECT array_agg(m.k ORDER BY m.k) AS keys, array_agg(m.c ORDER BY m.k) AS counts,
           sum(m.c) AS total
    FROM (
      SELECT b.k, sum(b.c) AS c
      FROM selected s, unnest(s.sketch_index, s.sketch_count) AS b(k, c)
      GROUP BY b.k
    ) m
  ),
  moments AS (
    SELECT sum(s.n) AS n, min(s.min) AS lowest, max(s.max) AS highest,
           sum(s.n * s.mean) / sum(s.n) AS mu, sum(s.n * s.variance_pop) AS within
    FROM selected s
  ),
  spread AS (
    -- Chan et al.: M2 = sum of the windows' n * variance_pop + sum of n * (mean - overall mean)^2
    SELECT m.within + sum(s.n * (s.mean - m.mu) * (s.mean - m.mu)) AS m2
    FROM selected s CROSS JOIN moments m
    GROUP BY m.within
  )
  SELECT m.n::bigint, g.total,
         greatest(m.lowest, least(m.highest, sketch_quantile(g.keys, g.counts, 0.5))),
         greatest(m.lowest, least(m.highest, sketch_quantile(g.keys, g.counts, 0.75))),
         greatest(m.lowest, least(m.highest, sketch_quantile(g.keys, g.counts, 0.9))),
         greatest(m.lowest, least(m.highest, sketch_quantile(g.keys, g.counts, 0.95))),
         greatest(m.lowest, least(m.highest, sketch_quantile(g.keys, g.counts, 0.99))),
         greatest(m.lowest, least(m.highest, sketch_quantile(g.keys, g.counts, 0.999))),
         m.mu, sqrt(v.m2 / m.n), CASE WHEN m.n > 1 THEN sqrt(v.m2 / (m.n - 1)) END
  FROM moments m CROSS JOIN merged g LEFT JOIN spread v ON true
$$;

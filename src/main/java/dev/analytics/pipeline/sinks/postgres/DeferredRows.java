package dev.analytics.pipeline.sinks.postgres;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * Rows that {@link PostgresTwoPhaseCommitWriter} holds back because their table row is locked by
 * one of its own prepared transactions, grouped by key hash.
 *
 * <p><b>Takes</b> rows with their key hash; <b>gives</b> them back, per key in arrival order, once
 * the caller says their key is free ({@link #takeWritable}). <b>Guarantees</b>: a row of a key is
 * merged into the key's last held row when {@link UpsertStatement#combine} can (daily counters of
 * one bucket add up), so the rows written have the effect of the rows taken, in order; at most
 * {@code maxRows} rows are held after merging ({@link #add} refuses more).
 *
 * @param <T> the rows (never changed: merging makes a new row)
 */
final class DeferredRows<T> {
  private final UpsertStatement<T> statement;
  private final int maxRows;
  private final LinkedHashMap<Long, List<T>> byKey = new LinkedHashMap<>();
  private int size;

  DeferredRows(UpsertStatement<T> statement, int maxRows) {
    this.statement = statement;
    this.maxRows = maxRows;
  }

  /**
   * Holds a row back, merged into the last held row of its key when possible.
   *
   * @param bounded false for rows restored from a checkpoint (already in memory: they are held
   *     whatever their number)
   * @return false (and nothing held) when a bounded add would hold more than {@code maxRows} rows
   */
  boolean add(long key, T row, boolean bounded) {
    List<T> rows = byKey.get(key);
    if (rows != null) {
      T merged = statement.combine(rows.get(rows.size() - 1), row);
      if (merged != null) {
        rows.set(rows.size() - 1, merged);
        return true;
      }
    }
    if (bounded && size >= maxRows) {
      return false;
    }
    byKey.computeIfAbsent(key, k -> new ArrayList<>(1)).add(row);
    size++;
    return true;
  }

  /** Removes and returns the rows of the keys the predicate calls writable, in order per key. */
  List<T> takeWritable(LongPredicate writable) {
    List<T> out = new ArrayList<>();
    for (Iterator<Map.Entry<Long, List<T>>> it = byKey.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, List<T>> e = it.next();
      if (writable.test(e.getKey())) {
        out.addAll(e.getValue());
        size -= e.getValue().size();
        it.remove();
      }
    }
    return out;
  }

  /** All held rows, in order per key (a new list). */
  List<T> rows() {
    List<T> out = new ArrayList<>(size);
    byKey.values().forEach(out::addAll);
    return out;
  }

  /** Rows held. */
  int size() {
    return size;
  }

  /** Distinct key hashes held. */
  int keys() {
    return byKey.size();
  }

  boolean isEmpty() {
    return size == 0;
  }
}

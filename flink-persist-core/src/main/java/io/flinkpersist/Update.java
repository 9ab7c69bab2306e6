package io.flinkpersist;

import java.util.Objects;

/**
 * One differential update {@code ((key, value), time, diff)}: the multiplicity of {@code (key,
 * value)} changes by {@code diff} at {@code time}.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public record Update<K, V>(K key, V value, long time, long diff) {

    public Update {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Frontier.checkTime(time);
    }

    public static <K, V> Update<K, V> of(K key, V value, long time, long diff) {
        return new Update<>(key, value, time, diff);
    }

    /** An insertion: {@code diff = +1}. */
    public static <K, V> Update<K, V> insert(K key, V value, long time) {
        return new Update<>(key, value, time, 1);
    }

    /** A retraction: {@code diff = -1}. */
    public static <K, V> Update<K, V> retract(K key, V value, long time) {
        return new Update<>(key, value, time, -1);
    }
}

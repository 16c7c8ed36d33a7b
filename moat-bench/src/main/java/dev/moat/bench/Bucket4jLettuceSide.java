package dev.moat.bench;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * bucket4j's Redis integration for Lettuce as its documentation sets it up: one
 * {@code StatefulRedisConnection<byte[], byte[]>} (Lettuce multiplexes it, as Moat's one
 * connection), {@code Bucket4jLettuce.casBasedBuilder(connection)}, keys expiring once the bucket
 * would be full again (as Moat's PX), and {@code tryConsume(1)} on the proxy of each key (built
 * once per key, as Moat's call lists are). Its compare-and-swap protocol is a GET of the state,
 * then an EVAL of a compare-and-set script with the new state: two round trips per call, and a
 * retry from the GET when another caller changed the key in between.
 */
final class Bucket4jLettuceSide implements RedisSide {
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final BucketProxy[] buckets;
    private final AsyncBucketProxy[] asyncBuckets;

    Bucket4jLettuceSide(String hostPort, String keyPrefix, String[] subjects, long max, long perMillis) {
        this.client = RedisClient.create(RedisURI.create("redis://" + hostPort));
        this.connection = client.connect(ByteArrayCodec.INSTANCE);
        LettuceBasedProxyManager<byte[]> proxies = Bucket4jLettuce.casBasedBuilder(connection)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(5)))
                .build();
        BucketConfiguration config = BucketConfiguration.builder().addLimit(Peers.bandwidth(max, perMillis)).build();
        this.buckets = new BucketProxy[subjects.length];
        this.asyncBuckets = new AsyncBucketProxy[subjects.length];
        for (int i = 0; i < subjects.length; i++) {
            byte[] key = (keyPrefix + ":" + subjects[i]).getBytes(StandardCharsets.UTF_8);
            buckets[i] = proxies.builder().build(key, () -> config);
            asyncBuckets[i] = proxies.asAsync().builder().build(key, config);
        }
    }

    @Override
    public String name() {
        return "bucket4j";
    }

    @Override
    public boolean check(int keyIndex) {
        return buckets[keyIndex].tryConsume(1);
    }

    /** bucket4j's asynchronous API on the same keys: {@code asAsync()}, then {@code tryConsume(1)}. */
    @Override
    public java.util.concurrent.CompletionStage<Boolean> checkAsync(int keyIndex) {
        return asyncBuckets[keyIndex].tryConsume(1);
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}

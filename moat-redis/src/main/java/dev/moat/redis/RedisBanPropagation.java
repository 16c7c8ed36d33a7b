package dev.moat.redis;

import dev.moat.core.Moat;
import dev.moat.core.MoatListener;
import dev.moat.core.ban.Ban;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/*
 * How it works and why.
 *
 * Every node keeps its active bans in memory (the engine's ban book) and never asks Redis during
 * a decision. To keep the books of a fleet in step, a node that starts or lifts a ban publishes
 * {"op": "ban" | "unban", "node": <its id>, ...} on the channel <prefix>:v1:ban-events; every node
 * subscribes, skips its own messages, and applies the others' to its book at once, so a ban made
 * anywhere refuses everywhere within the pub/sub latency (milliseconds; the requirement is one
 * second). The ban itself is already durable in Redis when the message goes out.
 *
 * Pub/sub is fire and forget: a node that is disconnected misses messages. So every time the
 * subscription is (re)confirmed, which Lettuce does after each reconnect, the node reloads its
 * whole book from Redis; messages it failed to publish while Redis was down are kept (bounded)
 * and published again once the subscription is back. Reloading and publishing run on this
 * class's own thread, never on Lettuce's event loop.
 *
 * The same channel carries two momentary events for open connections (the gateway's sockets):
 * {"op": "kick", "user", "reason"} when this node's engine kicks a user, and {"op": "disconnect",
 * "user", "reason"} when an operator asks for "disconnect this user now". They are handed to the
 * registered RemoteEvents, as are remote bans once they are in the book. Unlike bans they are not
 * kept for later when Redis is down: closing a socket minutes late would hit a user who has
 * reconnected since. Nodes of an older version skip ops they do not know.
 */

/** Ban propagation between Moat nodes over Redis pub/sub. */
public final class RedisBanPropagation implements MoatListener, AutoCloseable {
    private static final int MAX_PENDING = 10_000;

    private final RedisConnection redis;
    private final String channel;
    private final Moat moat;
    private final Runnable resync;
    private final String nodeId = UUID.randomUUID().toString();
    private final ScheduledExecutorService worker;
    private final ArrayDeque<String> pending = new ArrayDeque<>();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong resyncs = new AtomicLong();
    private final List<RemoteEvents> remoteEvents = new CopyOnWriteArrayList<>();
    private volatile StatefulRedisPubSubConnection<String, String> subscription;
    private volatile boolean closed;

    /**
     * Attaches to {@code moat}: registers as its listener and subscribes. {@code resync} reloads
     * the ban book after a reconnect; null means {@link Moat#reloadBans()}.
     */
    public static RedisBanPropagation attach(RedisConnection redis, String keyPrefix, Moat moat, Runnable resync) {
        RedisBanPropagation p = new RedisBanPropagation(redis, keyPrefix, moat, resync);
        moat.addListener(p);
        p.worker.execute(p::subscribe);
        return p;
    }

    private RedisBanPropagation(RedisConnection redis, String keyPrefix, Moat moat, Runnable resync) {
        this.redis = redis;
        this.channel = new KeyLayout(keyPrefix).banChannel();
        this.moat = moat;
        this.resync = resync == null ? moat::reloadBans : resync;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "moat-redis-bans");
            t.setDaemon(true);
            return t;
        });
        worker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    /** Subscribes, retried every second until it succeeds. */
    private void subscribe() {
        if (closed || subscription != null) {
            return;
        }
        try {
            StatefulRedisPubSubConnection<String, String> c = redis.connectPubSub();
            c.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String ch, String message) {
                    onMessage(message);
                }

                @Override
                public void subscribed(String ch, long count) {
                    // first subscription and every resubscription after a reconnect
                    if (!closed) {
                        worker.execute(RedisBanPropagation.this::resynchronise);
                    }
                }
            });
            c.sync().subscribe(channel);
            subscription = c;
        } catch (RuntimeException e) {
            // Redis is down: tick() tries again
        }
    }

    private void tick() {
        if (closed) {
            return;
        }
        if (subscription == null) {
            subscribe();
        } else if (hasPending()) {
            flushPending();
        }
    }

    /** Resynchronises the ban book now, on the calling thread (what a resubscription does). */
    public void resynchroniseNow() {
        resynchronise();
    }

    private void resynchronise() {
        try {
            resync.run();
            resyncs.incrementAndGet();
        } catch (RuntimeException e) {
            // Redis went away again; the next resubscription resynchronises
        }
        flushPending();
    }

    void onMessage(String message) {
        received.incrementAndGet();
        Map<String, Object> m;
        try {
            m = Json.object(message);
        } catch (IllegalArgumentException e) {
            return;
        }
        if (nodeId.equals(Json.str(m, "node"))) {
            return;
        }
        try {
            switch (String.valueOf(Json.str(m, "op"))) {
                case "ban" -> {
                    Ban ban = Codec.banFromJson(Json.obj(m, "ban"));
                    moat.applyRemoteBan(ban);
                    tell(e -> e.onRemoteBan(ban));
                }
                case "unban" -> moat.applyRemoteUnban(Json.str(m, "subject"));
                case "kick" -> {
                    String user = userOf(m);
                    String reason = Json.str(m, "reason");
                    tell(e -> e.onRemoteKick(user, reason));
                }
                case "disconnect" -> {
                    String user = userOf(m);
                    String reason = Json.str(m, "reason");
                    tell(e -> e.onRemoteDisconnect(user, reason));
                }
                default -> {
                    return;
                }
            }
            applied.incrementAndGet();
        } catch (RuntimeException ignored) {
            // a malformed message from another version: skip it
        }
    }

    @Override
    public void onBanStarted(Ban ban) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", "ban");
        m.put("node", nodeId);
        m.put("ban", Codec.banJson(ban));
        publish(Json.write(m));
    }

    /** The user of a kick or disconnect message; throws when there is none (the message is skipped). */
    private static String userOf(Map<String, Object> m) {
        String user = Json.str(m, "user");
        if (user == null || user.isEmpty()) {
            throw new IllegalArgumentException("a " + Json.str(m, "op") + " message without a user");
        }
        return user;
    }

    private void tell(Consumer<RemoteEvents> call) {
        for (RemoteEvents e : remoteEvents) {
            try {
                call.accept(e);
            } catch (RuntimeException ignored) {
                // one handler's failure must not stop the others, nor the subscription
            }
        }
    }

    /** Hands kicks, disconnects and bans decided on other nodes to {@code events} from now on. */
    public void addRemoteEvents(RemoteEvents events) {
        remoteEvents.add(events);
    }

    public void removeRemoteEvents(RemoteEvents events) {
        remoteEvents.remove(events);
    }

    @Override
    public void onKick(String user, String reason) {
        publishNow(userMessage("kick", user, reason));
    }

    /**
     * Asks every other node to disconnect {@code user} now. Not kept for later when Redis is down;
     * the returned stage fails then (a {@link RedisUnavailableException} or Lettuce's error).
     */
    public CompletionStage<Void> publishDisconnect(String user, String reason) {
        return publishNow(userMessage("disconnect", user, reason));
    }

    private String userMessage(String op, String user, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", op);
        m.put("node", nodeId);
        m.put("user", user);
        m.put("reason", reason);
        return Json.write(m);
    }

    private CompletionStage<Void> publishNow(String message) {
        return RedisConnection.start(() -> redis.async().publish(channel, message)).thenApply(n -> null);
    }

    @Override
    public void onBanLifted(String subject, String actor, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", "unban");
        m.put("node", nodeId);
        m.put("subject", subject);
        publish(Json.write(m));
    }

    /** Publishes without waiting (listeners run on the deciding thread); on failure, keeps it for later. */
    private void publish(String message) {
        RedisConnection.start(() -> redis.async().publish(channel, message)).whenComplete((n, e) -> {
            if (e != null) {
                keep(message);
            }
        });
    }

    private void keep(String message) {
        synchronized (pending) {
            if (pending.size() >= MAX_PENDING) {
                pending.pollFirst(); // the oldest: peers still resynchronise when they reconnect
            }
            pending.addLast(message);
        }
    }

    private boolean hasPending() {
        synchronized (pending) {
            return !pending.isEmpty();
        }
    }

    private void flushPending() {
        while (true) {
            String next;
            synchronized (pending) {
                next = pending.pollFirst();
            }
            if (next == null) {
                return;
            }
            try {
                RedisConnection.await(RedisConnection.start(() -> redis.async().publish(channel, next)), redis.deadline());
            } catch (RedisUnavailableException e) {
                synchronized (pending) {
                    pending.addFirst(next);
                }
                return;
            }
        }
    }

    public String nodeId() {
        return nodeId;
    }

    /** Whether the subscription is in place. */
    public boolean subscribed() {
        StatefulRedisPubSubConnection<String, String> s = subscription;
        return s != null && s.isOpen();
    }

    /** Messages from other nodes applied to this node's ban book. */
    public long applied() {
        return applied.get();
    }

    /** Full reloads of the ban book after (re)subscribing. */
    public long resyncs() {
        return resyncs.get();
    }

    @Override
    public void close() {
        closed = true;
        moat.removeListener(this);
        worker.shutdownNow();
        StatefulRedisPubSubConnection<String, String> s = subscription;
        if (s != null) {
            try {
                s.close();
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
    }
}

package dev.moat.server.gateway;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.moat.server.gateway.WsFrames.BINARY;
import static dev.moat.server.gateway.WsFrames.CLOSE;
import static dev.moat.server.gateway.WsFrames.CONTINUATION;
import static dev.moat.server.gateway.WsFrames.PING;
import static dev.moat.server.gateway.WsFrames.PONG;
import static dev.moat.server.gateway.WsFrames.TEXT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The frame parser: round trips with {@link WsFrames} and with Netty's WebSocket codec (a test oracle only),
 * random frame sequences cut into random chunks, each protocol error with its close code, and buffer
 * ownership (every fed and allocated buffer freed, also when feed throws).
 */
class WsFrameParserTest {
    private static final int[] SIZES = {0, 1, 125, 126, 127, 65535, 65536, 70000};
    private static final int[] OPCODES = {CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG};
    private static final int MAX = 1 << 17;

    private static ResourceLeakDetector.Level previousLevel;

    @BeforeAll
    static void paranoidLeakDetection() {
        previousLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    @AfterAll
    static void restoreLeakDetection() {
        ResourceLeakDetector.setLevel(previousLevel);
    }

    /** What the sink saw, copied out while the buffers were valid. */
    record Frame(int opcode, boolean fin, byte[] payload, byte[] frame) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Frame f && f.opcode == opcode && f.fin == fin
                    && Arrays.equals(f.payload, payload) && Arrays.equals(f.frame, frame);
        }

        @Override
        public int hashCode() {
            return 31 * opcode + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return WsFrames.name(opcode) + (fin ? "" : " (FIN=0)") + " of " + payload.length + " bytes in a frame of " + frame.length;
        }
    }

    static final class Recorder implements WsFrameParser.Sink {
        final List<Frame> frames = new ArrayList<>();

        @Override
        public void onFrame(int opcode, boolean fin, ByteBuf payload, ByteBuf frame) {
            frames.add(new Frame(opcode, fin, ByteBufUtil.getBytes(payload), ByteBufUtil.getBytes(frame)));
        }
    }

    /** Unpooled buffers, each remembered so a test can check that all were released. */
    static final class TrackingAllocator extends AbstractByteBufAllocator {
        final List<ByteBuf> made = new ArrayList<>();

        TrackingAllocator(boolean preferDirect) {
            super(preferDirect);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
            made.add(b);
            return b;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
            made.add(b);
            return b;
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        long live() {
            return made.stream().filter(b -> b.refCnt() > 0).count();
        }
    }

    private static byte[] payload(Random random, int size, int opcode) {
        byte[] p = new byte[size];
        if (opcode == TEXT || opcode == CONTINUATION) {
            for (int i = 0; i < size; i++) {
                p[i] = (byte) ('a' + random.nextInt(26));
            }
        } else {
            random.nextBytes(p);
        }
        if (opcode == CLOSE && size >= 2) {
            p[0] = 0x03; // 1000 + ASCII reason, so Netty's decoder accepts it too
            p[1] = (byte) 0xE8;
            for (int i = 2; i < size; i++) {
                p[i] = (byte) ('a' + random.nextInt(26));
            }
        }
        return p;
    }

    private static byte[] bytes(ByteBuf b) {
        try {
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    private static ByteBuf encode(boolean masked, int opcode, boolean fin, byte[] payload) {
        return masked ? WsFrames.client(ByteBufAllocator.DEFAULT, opcode, fin, payload)
                : WsFrames.server(ByteBufAllocator.DEFAULT, opcode, fin, payload);
    }

    /** Feeds the bytes as one buffer and answers what the sink saw. */
    private static List<Frame> parse(WsFrameParser parser, ByteBufAllocator alloc, byte[] wire) throws WsProtocolException {
        Recorder sink = new Recorder();
        ByteBuf in = Unpooled.copiedBuffer(wire);
        parser.feed(in, alloc, sink);
        assertThat(in.refCnt()).as("fed buffer released").isZero();
        return sink.frames;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** The cases of a round trip: every opcode, both FIN values where legal, every size where legal. */
    private interface RoundTrip {
        void check(boolean masked, int opcode, boolean fin, byte[] payload) throws Exception;
    }

    private static void eachCase(RoundTrip check) throws Exception {
        Random random = new Random(6455);
        for (boolean masked : new boolean[] {true, false}) {
            for (int opcode : OPCODES) {
                for (boolean fin : new boolean[] {true, false}) {
                    if (WsFrames.isControl(opcode) && !fin) {
                        continue;
                    }
                    for (int size : SIZES) {
                        if (WsFrames.isControl(opcode) && size > 125 || opcode == CLOSE && size == 1) {
                            continue;
                        }
                        check.check(masked, opcode, fin, payload(random, size, opcode));
                    }
                }
            }
        }
    }

    /** A CONTINUATION needs an open message before it: an empty BINARY with FIN=0. */
    private static byte[] opener(boolean masked, int opcode) {
        return opcode == CONTINUATION ? bytes(encode(masked, BINARY, false, new byte[0])) : new byte[0];
    }

    @Test
    void parsesWhatWsFramesMakes() throws Exception {
        PooledByteBufAllocator pooled = new PooledByteBufAllocator(true);
        eachCase((masked, opcode, fin, payload) -> {
            byte[] opener = opener(masked, opcode);
            byte[] frame = bytes(encode(masked, opcode, fin, payload));
            List<Frame> got = parse(new WsFrameParser(masked, MAX), pooled, concat(opener, frame));
            assertThat(got).hasSize(opener.length == 0 ? 1 : 2);
            assertThat(got.get(got.size() - 1)).isEqualTo(new Frame(opcode, fin, payload, frame));
        });
    }

    @Test
    void parsesWhatNettysEncoderMakes() throws Exception {
        eachCase((masked, opcode, fin, payload) -> {
            byte[] opener = opener(masked, opcode);
            byte[] frame = nettyEncode(masked, opcode, fin, payload);
            TrackingAllocator alloc = new TrackingAllocator(false);
            List<Frame> got = parse(new WsFrameParser(masked, MAX), alloc, concat(opener, frame));
            assertThat(got.get(got.size() - 1)).isEqualTo(new Frame(opcode, fin, payload, frame));
            assertThat(alloc.live()).as("buffers still held").isZero();
        });
    }

    @Test
    void nettysDecoderReadsWhatWsFramesMakes() throws Exception {
        eachCase((masked, opcode, fin, payload) -> {
            EmbeddedChannel channel = new EmbeddedChannel(new WebSocket08FrameDecoder(masked, false, MAX));
            try {
                byte[] opener = opener(masked, opcode);
                channel.writeInbound(Unpooled.wrappedBuffer(concat(opener, bytes(encode(masked, opcode, fin, payload)))));
                if (opener.length > 0) {
                    ((WebSocketFrame) channel.readInbound()).release();
                }
                WebSocketFrame decoded = channel.readInbound();
                assertThat(decoded).as("Netty decoded a %s frame", WsFrames.name(opcode)).isNotNull();
                try {
                    assertThat(opcodeOf(decoded)).isEqualTo(opcode);
                    assertThat(decoded.isFinalFragment()).isEqualTo(fin);
                    assertThat(ByteBufUtil.getBytes(decoded.content())).isEqualTo(payload);
                } finally {
                    decoded.release();
                }
            } finally {
                channel.finishAndReleaseAll();
            }
        });
    }

    private static byte[] nettyEncode(boolean masked, int opcode, boolean fin, byte[] payload) {
        ByteBuf content = Unpooled.copiedBuffer(payload);
        WebSocketFrame frame = switch (opcode) {
            case CONTINUATION -> new ContinuationWebSocketFrame(fin, 0, content);
            case TEXT -> new TextWebSocketFrame(fin, 0, content);
            case BINARY -> new BinaryWebSocketFrame(fin, 0, content);
            case CLOSE -> new CloseWebSocketFrame(fin, 0, content);
            case PING -> new PingWebSocketFrame(fin, 0, content);
            case PONG -> new PongWebSocketFrame(fin, 0, content);
            default -> throw new IllegalArgumentException("no Netty frame for opcode " + opcode);
        };
        EmbeddedChannel channel = new EmbeddedChannel(new WebSocket08FrameEncoder(masked));
        try {
            channel.writeOutbound(frame);
            ByteBuf all = Unpooled.buffer();
            for (ByteBuf part; (part = channel.readOutbound()) != null; ) {
                all.writeBytes(part);
                part.release();
            }
            return bytes(all);
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    private static int opcodeOf(WebSocketFrame frame) {
        if (frame instanceof ContinuationWebSocketFrame) return CONTINUATION;
        if (frame instanceof TextWebSocketFrame) return TEXT;
        if (frame instanceof BinaryWebSocketFrame) return BINARY;
        if (frame instanceof CloseWebSocketFrame) return CLOSE;
        if (frame instanceof PingWebSocketFrame) return PING;
        if (frame instanceof PongWebSocketFrame) return PONG;
        throw new IllegalArgumentException("unexpected frame " + frame);
    }

    // ---- random sequences in random chunks

    @Test
    void randomFrameSequencesInRandomChunksComeOutWhole() throws Exception {
        Random random = new Random(20260611L);
        for (int round = 0; round < 200; round++) {
            boolean masked = random.nextBoolean();
            List<Frame> sent = randomSequence(random, masked);
            byte[] wire = concat(sent.stream().map(Frame::frame).toArray(byte[][]::new));
            for (int split = 0; split < 4; split++) {
                List<byte[]> chunks = chunks(random, wire, split);
                TrackingAllocator alloc = new TrackingAllocator(random.nextBoolean());
                WsFrameParser parser = new WsFrameParser(masked, MAX);
                Recorder sink = new Recorder();
                for (byte[] chunk : chunks) {
                    ByteBuf in = fed(random, chunk, split);
                    parser.feed(in, alloc, sink);
                    assertThat(in.refCnt()).as("fed buffer released").isZero();
                }
                assertThat(sink.frames).as("round %d, split %d, masked %s", round, split, masked).isEqualTo(sent);
                assertThat(alloc.live()).as("tail and payload copies freed once every frame is whole").isZero();
                parser.release();
            }
        }
    }

    /**
     * A buffer with the chunk: heap or direct. One-byte chunks are wrapped arrays, which skip the leak
     * detector's stack trace per buffer (their refCnt is still checked); the parser's own buffers are tracked.
     */
    private static ByteBuf fed(Random random, byte[] chunk, int split) {
        if (chunk.length == 0) {
            return Unpooled.buffer(0); // not Unpooled.EMPTY_BUFFER, whose release does nothing
        }
        if (split == 1 || random.nextBoolean()) {
            return Unpooled.wrappedBuffer(chunk);
        }
        return Unpooled.directBuffer(chunk.length).writeBytes(chunk);
    }

    /** Valid frames: messages of 1-4 fragments, control frames before, between and after fragments. */
    private static List<Frame> randomSequence(Random random, boolean masked) {
        List<Frame> frames = new ArrayList<>();
        int messages = 1 + random.nextInt(6);
        for (int m = 0; m < messages; m++) {
            int fragments = 1 + random.nextInt(4);
            int type = random.nextBoolean() ? TEXT : BINARY;
            for (int f = 0; f < fragments; f++) {
                while (random.nextInt(4) == 0) {
                    int control = new int[] {CLOSE, PING, PONG}[random.nextInt(3)];
                    int size = random.nextInt(126);
                    frames.add(frame(random, masked, control, true, size == 1 && control == CLOSE ? 2 : size));
                }
                frames.add(frame(random, masked, f == 0 ? type : CONTINUATION, f == fragments - 1, randomSize(random)));
            }
        }
        return frames;
    }

    private static int randomSize(Random random) {
        return switch (random.nextInt(40)) {
            case 0, 1, 2, 3 -> 0;
            case 4, 5, 6, 7 -> 120 + random.nextInt(10);
            case 8 -> 65530 + random.nextInt(10);
            case 9 -> random.nextInt(70000);
            default -> random.nextInt(300);
        };
    }

    private static Frame frame(Random random, boolean masked, int opcode, boolean fin, int size) {
        byte[] payload = payload(random, size, opcode);
        return new Frame(opcode, fin, payload, bytes(encode(masked, opcode, fin, payload)));
    }

    /** split 0: one chunk; 1: one byte each; 2: random sizes up to 20; 3: random sizes up to 100000. */
    private static List<byte[]> chunks(Random random, byte[] wire, int split) {
        List<byte[]> chunks = new ArrayList<>();
        int at = 0;
        while (at < wire.length) {
            int n = switch (split) {
                case 0 -> wire.length;
                case 1 -> 1;
                case 2 -> 1 + random.nextInt(20);
                default -> 1 + random.nextInt(100000);
            };
            n = Math.min(n, wire.length - at);
            chunks.add(Arrays.copyOfRange(wire, at, at + n));
            at += n;
            if (random.nextInt(50) == 0) {
                chunks.add(new byte[0]);
            }
        }
        return chunks;
    }

    // ---- protocol errors

    private static WsProtocolException refusal(boolean masked, int max, byte[] wire) {
        TrackingAllocator alloc = new TrackingAllocator(false);
        WsFrameParser parser = new WsFrameParser(masked, max);
        ByteBuf in = Unpooled.copiedBuffer(wire);
        WsProtocolException e = catchThrowableOfType(WsProtocolException.class, () -> parser.feed(in, alloc, new Recorder()));
        assertThat(e).as("refused").isNotNull();
        assertThat(in.refCnt()).as("fed buffer released when feed throws").isZero();
        assertThat(alloc.live()).as("buffers freed when feed throws").isZero();
        return e;
    }

    private static byte[] header(int b0, int b1, int... rest) {
        byte[] h = new byte[2 + rest.length];
        h[0] = (byte) b0;
        h[1] = (byte) b1;
        for (int i = 0; i < rest.length; i++) {
            h[2 + i] = (byte) rest[i];
        }
        return h;
    }

    @Test
    void rsvBitsAreAProtocolError() {
        for (int rsv : new int[] {0x40, 0x20, 0x10}) {
            WsProtocolException e = refusal(false, MAX, header(0x80 | rsv | BINARY, 0));
            assertThat(e.closeCode).isEqualTo(1002);
            assertThat(e.getMessage()).contains("RSV").contains("no extension");
        }
    }

    @Test
    void reservedOpcodesAreAProtocolError() {
        for (int opcode : new int[] {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
            WsProtocolException e = refusal(false, MAX, header(0x80 | opcode, 0));
            assertThat(e.closeCode).isEqualTo(1002);
            assertThat(e.getMessage()).contains("reserved opcode " + opcode);
        }
    }

    @Test
    void fragmentedControlFramesAreAProtocolError() {
        for (int opcode : new int[] {CLOSE, PING, PONG}) {
            WsProtocolException e = refusal(false, MAX, header(opcode, 0));
            assertThat(e.closeCode).isEqualTo(1002);
            assertThat(e.getMessage()).contains("fragmented " + WsFrames.name(opcode));
        }
    }

    @Test
    void controlFramesOver125BytesAreAProtocolError() {
        WsProtocolException e = refusal(false, MAX, header(0x80 | PING, 126, 0, 126));
        assertThat(e.closeCode).isEqualTo(1002);
        assertThat(e.getMessage()).contains("PING").contains("at most 125");
        assertThat(refusal(true, MAX, header(0x80 | CLOSE, 0x80 | 127)).closeCode).isEqualTo(1002);
    }

    @Test
    void aMaskBitAgainstTheDirectionIsAProtocolError() {
        WsProtocolException unmasked = refusal(true, MAX, header(0x80 | TEXT, 0));
        assertThat(unmasked.closeCode).isEqualTo(1002);
        assertThat(unmasked.getMessage()).contains("unmasked").contains("client");
        WsProtocolException masked = refusal(false, MAX, header(0x80 | TEXT, 0x80, 1, 2, 3, 4));
        assertThat(masked.closeCode).isEqualTo(1002);
        assertThat(masked.getMessage()).contains("masked").contains("server");
    }

    @Test
    void a64BitLengthWithTheTopBitSetIsAProtocolError() {
        WsProtocolException e = refusal(false, Integer.MAX_VALUE - 14, header(0x80 | BINARY, 127, 0x80, 0, 0, 0, 0, 0, 0, 1));
        assertThat(e.closeCode).isEqualTo(1002);
        assertThat(e.getMessage()).contains("most significant bit");
    }

    @Test
    void aPayloadOverTheLimitIsRefusedWith1009WhenOnlyTheHeaderHasArrived() {
        // 64-bit length 1 MiB, nothing after the header
        WsProtocolException e = refusal(false, 1000, header(0x80 | BINARY, 127, 0, 0, 0, 0, 0, 0x10, 0, 0));
        assertThat(e.closeCode).isEqualTo(1009);
        assertThat(e.getMessage()).contains("1048576").contains("1000");
        // masked 16-bit length 1001: refused before the mask key arrives
        assertThat(refusal(true, 1000, header(0x80 | TEXT, 0x80 | 126, 0x03, 0xE9)).closeCode).isEqualTo(1009);
        // 7-bit length over a small limit
        assertThat(refusal(false, 10, header(0x80 | TEXT, 11)).closeCode).isEqualTo(1009);
        // exactly the limit is fine
        assertThat(refusal(false, 10, concat(header(0x80 | TEXT, 10), new byte[10], header(0x80 | TEXT, 11))).closeCode).isEqualTo(1009);
    }

    @Test
    void aPayloadOverTheLimitIsRefusedWhenItsHeaderArrivesByteByByte() throws Exception {
        TrackingAllocator alloc = new TrackingAllocator(false);
        WsFrameParser parser = new WsFrameParser(true, 1000);
        byte[] wire = header(0x80 | BINARY, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0x03, 0xE9);
        for (int i = 0; i < wire.length - 1; i++) {
            parser.feed(Unpooled.wrappedBuffer(new byte[] {wire[i]}), alloc, new Recorder());
        }
        ByteBuf last = Unpooled.wrappedBuffer(new byte[] {wire[wire.length - 1]});
        WsProtocolException e = catchThrowableOfType(WsProtocolException.class, () -> parser.feed(last, alloc, new Recorder()));
        assertThat(e.closeCode).isEqualTo(1009);
        assertThat(last.refCnt()).isZero();
        assertThat(alloc.live()).as("the tail is freed when feed throws").isZero();
        ByteBuf more = Unpooled.wrappedBuffer(new byte[1]);
        assertThatThrownBy(() -> parser.feed(more, alloc, new Recorder()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("spent");
        assertThat(more.refCnt()).isZero();
    }

    @Test
    void aContinuationWithNoOpenMessageIsAProtocolError() {
        WsProtocolException e = refusal(false, MAX, header(0x80 | CONTINUATION, 0));
        assertThat(e.closeCode).isEqualTo(1002);
        assertThat(e.getMessage()).contains("CONTINUATION").contains("no fragmented message");
        // also after a message has ended
        byte[] ended = concat(header(BINARY, 0), header(0x80 | CONTINUATION, 0), header(CONTINUATION, 0));
        assertThat(refusal(false, MAX, ended).closeCode).isEqualTo(1002);
    }

    @Test
    void aNewMessageWhileOneIsOpenIsAProtocolError() {
        byte[] wire = concat(header(TEXT, 1, 'a'), header(0x80 | PING, 0), header(0x80 | BINARY, 0));
        WsProtocolException e = refusal(false, MAX, wire);
        assertThat(e.closeCode).isEqualTo(1002);
        assertThat(e.getMessage()).contains("BINARY").contains("fragmented message is open");
    }

    @Test
    void controlFramesMayComeBetweenFragments() throws Exception {
        byte[] wire = concat(header(TEXT, 1, 'a'), header(0x80 | PING, 1, 'p'), header(0x80 | PONG, 0),
                header(CONTINUATION, 1, 'b'), header(0x80 | CLOSE, 0), header(0x80 | CONTINUATION, 1, 'c'),
                header(0x80 | BINARY, 0));
        List<Frame> got = parse(new WsFrameParser(false, MAX), new TrackingAllocator(false), wire);
        assertThat(got).extracting(Frame::opcode).containsExactly(TEXT, PING, PONG, CONTINUATION, CLOSE, CONTINUATION, BINARY);
    }

    @Test
    void aLengthInALongerFormThanNeededIsAccepted() throws Exception {
        // RFC 6455 5.2 says the minimal form MUST be used; like Netty, the parser is lenient
        byte[] sixteen = header(0x80 | BINARY, 126, 0, 3, 'a', 'b', 'c');
        byte[] sixtyFour = header(0x80 | BINARY, 127, 0, 0, 0, 0, 0, 0, 0, 2, 'x', 'y');
        List<Frame> got = parse(new WsFrameParser(false, MAX), new TrackingAllocator(false), concat(sixteen, sixtyFour));
        assertThat(got).containsExactly(new Frame(BINARY, true, "abc".getBytes(), sixteen), new Frame(BINARY, true, "xy".getBytes(), sixtyFour));
    }

    @Test
    void aSinksRefusalPropagatesAndStillReleasesEverything() {
        TrackingAllocator alloc = new TrackingAllocator(false);
        WsFrameParser parser = new WsFrameParser(true, MAX);
        byte[] wire = concat(bytes(WsFrames.client(ByteBufAllocator.DEFAULT, TEXT, true, "hi".getBytes())),
                bytes(WsFrames.client(ByteBufAllocator.DEFAULT, TEXT, true, "again".getBytes())));
        ByteBuf in = Unpooled.copiedBuffer(wire);
        List<String> seen = new ArrayList<>();
        WsProtocolException e = catchThrowableOfType(WsProtocolException.class, () -> parser.feed(in, alloc, (op, fin, payload, frame) -> {
            seen.add(payload.toString(java.nio.charset.StandardCharsets.UTF_8));
            throw new WsProtocolException(1007, "the sink says no");
        }));
        assertThat(e.closeCode).isEqualTo(1007);
        assertThat(seen).containsExactly("hi");
        assertThat(in.refCnt()).isZero();
        assertThat(alloc.live()).isZero();
    }

    // ---- buffers

    @Test
    void releaseFreesTheTailAndIsIdempotent() throws Exception {
        TrackingAllocator alloc = new TrackingAllocator(false);
        WsFrameParser parser = new WsFrameParser(false, MAX);
        byte[] frame = bytes(WsFrames.server(ByteBufAllocator.DEFAULT, BINARY, true, new byte[1000]));
        Recorder sink = new Recorder();
        parser.feed(Unpooled.copiedBuffer(frame, 0, 500), alloc, sink);
        assertThat(sink.frames).isEmpty();
        assertThat(alloc.live()).as("the tail").isEqualTo(1);
        parser.release();
        assertThat(alloc.live()).isZero();
        parser.release();
        ByteBuf late = Unpooled.copiedBuffer(frame, 500, 500);
        assertThatThrownBy(() -> parser.feed(late, alloc, sink)).isInstanceOf(IllegalStateException.class).hasMessageContaining("release()");
        assertThat(late.refCnt()).isZero();
    }

    @Test
    void aSinkThatRetainsKeepsValidBuffers() throws Exception {
        for (boolean masked : new boolean[] {true, false}) {
            byte[] first = bytes(encode(masked, TEXT, true, "in place".getBytes()));
            byte[] second = bytes(encode(masked, BINARY, true, "straddles feeds".getBytes()));
            byte[] wire = concat(first, second);
            List<ByteBuf> kept = new ArrayList<>();
            WsFrameParser.Sink keeper = (op, fin, payload, frame) -> {
                kept.add(payload.retainedSlice());
                kept.add(frame.retainedSlice());
            };
            WsFrameParser parser = new WsFrameParser(masked, MAX);
            TrackingAllocator alloc = new TrackingAllocator(false);
            parser.feed(Unpooled.copiedBuffer(wire, 0, first.length + 3), alloc, keeper);
            parser.feed(Unpooled.copiedBuffer(wire, first.length + 3, second.length - 3), alloc, keeper);
            assertThat(kept).extracting(ByteBufUtil::getBytes)
                    .containsExactly("in place".getBytes(), first, "straddles feeds".getBytes(), second);
            kept.forEach(ByteBuf::release);
            assertThat(alloc.live()).isZero();
        }
    }

    @Test
    void aFrameArrivingOneByteAtATimeGrowsItsTailOnlyToItsLength() throws Exception {
        TrackingAllocator alloc = new TrackingAllocator(false);
        WsFrameParser parser = new WsFrameParser(true, 70000);
        byte[] payload = payload(new Random(1), 70000, BINARY);
        byte[] wire = bytes(WsFrames.client(ByteBufAllocator.DEFAULT, BINARY, true, payload));
        Recorder sink = new Recorder();
        int maxCapacity = 0;
        for (byte b : wire) {
            parser.feed(Unpooled.wrappedBuffer(new byte[] {b}), alloc, sink);
            for (ByteBuf made : alloc.made) {
                if (made.refCnt() > 0) {
                    maxCapacity = Math.max(maxCapacity, made.capacity());
                }
            }
        }
        assertThat(sink.frames).containsExactly(new Frame(BINARY, true, payload, wire));
        assertThat(maxCapacity).as("tail capacity").isLessThanOrEqualTo(wire.length);
        assertThat(alloc.live()).isZero();
    }
}

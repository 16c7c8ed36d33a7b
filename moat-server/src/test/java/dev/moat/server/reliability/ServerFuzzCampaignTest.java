package dev.moat.server.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.moat.reliability.FuzzCampaign;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

/**
 * The CI fuzz campaign of moat-server (see {@link FuzzCampaign}): the {@code /v1/check} body, the
 * config parser, the gateway's JWT verification and its Socket.IO frame parser, behind one
 * target. {@code mvn verify} fuzzes it for {@code ${fuzz.duration}}; plain {@code mvn test} runs
 * every target's seeds through it (and its own findings, in
 * {@code ServerFuzzCampaignTestInputs/campaign/}).
 */
class ServerFuzzCampaignTest {
    static final FuzzCampaign CAMPAIGN = new FuzzCampaign(List.of(
            FuzzCampaign.Target.of("dev.moat.server.reliability.ApiRequestFuzzTest", "checkBody"),
            FuzzCampaign.Target.of("dev.moat.server.reliability.ConfigFuzzTest", "parse"),
            FuzzCampaign.Target.of("dev.moat.server.reliability.JwtFuzzTest", "verify"),
            FuzzCampaign.Target.of("dev.moat.server.reliability.SocketIoFuzzTest", "parse")));

    static Stream<byte[]> seeds() {
        return CAMPAIGN.seeds();
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void campaign(byte[] data) throws Throwable {
        CAMPAIGN.run(data);
    }
}

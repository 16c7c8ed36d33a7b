package dev.moat.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

/**
 * The CI fuzz campaign of moat-core (see {@link FuzzCampaign}): the identity parsers (IP
 * addresses, CIDRs, subjects, X-Forwarded-For/Forwarded resolution), the link extractor and
 * normaliser and the User-Agent classifier, behind one target. {@code mvn verify} fuzzes it for
 * {@code ${fuzz.duration}}; plain {@code mvn test} runs every target's seeds through it (and its
 * own findings, in {@code CoreFuzzCampaignTestInputs/campaign/}).
 */
class CoreFuzzCampaignTest {
    static final FuzzCampaign CAMPAIGN = new FuzzCampaign(List.of(
            FuzzCampaign.Target.of("dev.moat.core.identity.IdentityFuzzTest", "ipAddressParse"),
            FuzzCampaign.Target.of("dev.moat.core.identity.IdentityFuzzTest", "cidrParse"),
            FuzzCampaign.Target.of("dev.moat.core.identity.IdentityFuzzTest", "subjectParse"),
            FuzzCampaign.Target.of("dev.moat.core.identity.IdentityFuzzTest", "resolve"),
            FuzzCampaign.Target.of("dev.moat.core.content.LinkFuzzTest", "extractLinks"),
            FuzzCampaign.Target.of("dev.moat.core.content.LinkFuzzTest", "normaliseLink"),
            FuzzCampaign.Target.of("dev.moat.core.content.UserAgentFuzzTest", "classify")));

    static Stream<byte[]> seeds() {
        return CAMPAIGN.seeds();
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "5m")
    void campaign(byte[] data) throws Throwable {
        CAMPAIGN.run(data);
    }
}

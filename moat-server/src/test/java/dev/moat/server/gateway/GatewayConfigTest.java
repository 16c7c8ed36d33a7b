package dev.moat.server.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.nimbusds.jose.JWSAlgorithm;
import dev.moat.server.config.ConfigError;
import dev.moat.server.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code gateway:} section: defaults, every error by key, ${ENV} secrets, keys that pin their algorithms. */
class GatewayConfigTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(String text) throws Exception {
        return YAML.readValue(text, Map.class);
    }

    static List<ConfigError> errors(String text, Map<String, String> env) throws Exception {
        List<ConfigError> errors = new ArrayList<>();
        GatewaySettings s = GatewayConfig.fromMap(yaml(text), env, null, errors);
        if (!errors.isEmpty()) {
            assertThat(s).isNull();
        }
        return errors;
    }

    @Test
    void onlyTheUpstreamIsRequiredAndEverythingElseHasItsDefault() throws Exception {
        GatewaySettings s = GatewayConfig.fromMap(yaml("upstream: http://127.0.0.1:3080"), Map.of());
        assertThat(s.host()).isEqualTo("127.0.0.1");
        assertThat(s.port()).isEqualTo(8080);
        assertThat(s.upstream().url().toString()).isEqualTo("http://127.0.0.1:3080");
        assertThat(s.jwt().enabled()).isFalse();
        assertThat(s.jwt().algorithms()).containsExactlyInAnyOrder(JWSAlgorithm.HS256, JWSAlgorithm.RS256,
                JWSAlgorithm.ES256, JWSAlgorithm.EdDSA);
        assertThat(s.websocket().liveness().pingIntervalMillis()).isEqualTo(25_000);
        assertThat(s.websocket().liveness().pongTimeoutMillis()).isEqualTo(20_000);
        assertThat(s.websocket().maxFrameBytes()).isEqualTo(64 * 1024);
        assertThat(s.websocket().closeCodes()).isEqualTo(GatewaySettings.CloseCodes.DEFAULTS);
        assertThat(s.websocket().frames().action()).isEqualTo("ws_message");
        assertThat(s.http().maxBodyBytes()).isEqualTo(64 * 1024);
        assertThat(GatewayConfig.fromMap(null, Map.of(), null, new ArrayList<>())).isNull();
    }

    @Test
    void everyErrorInTheSectionIsReportedWithItsKey() throws Exception {
        List<ConfigError> errors = errors("""
                listen: nowhere
                upstream: ftp://example.org
                instances: many
                http:
                  rules:
                    - {path: api/login, action: login}
                    - {path: /api/x, email: "form:email"}
                jwt:
                  algorithms: [none, HS256]
                  leeway: forever
                  keys:
                    - secret: short
                websocket:
                  max_frame: 1
                  format: xml
                  close_codes: {kick: 1000}
                  bogus: 1
                  per_connection: {max: -1}
                """, Map.of());
        assertThat(errors).extracting(ConfigError::key).contains("gateway.listen", "gateway.upstream.url",
                "gateway.instances", "gateway.http.rules[0].path", "gateway.http.rules[1].action",
                "gateway.http.rules[1].email", "gateway.jwt.algorithms", "gateway.jwt.leeway",
                "gateway.jwt.keys[0].secret", "gateway.websocket.format", "gateway.websocket.bogus",
                "gateway.websocket.per_connection.max");
        assertThat(errors).filteredOn(e -> e.key().equals("gateway.jwt.algorithms")).first()
                .extracting(ConfigError::message).asString().contains("never");
        assertThat(errors).filteredOn(e -> e.key().equals("gateway.websocket.bogus")).first()
                .extracting(ConfigError::message).asString().contains("unknown");
    }

    @Test
    void recordLevelErrorsNameTheirKeyToo() throws Exception {
        assertThat(errors("upstream: http://x:1\nwebsocket: {max_frame: 1}", Map.of())).extracting(ConfigError::key)
                .containsExactly("gateway.websocket.max_frame");
        assertThat(errors("upstream: http://x:1\nwebsocket: {close_codes: {kick: 1000}}", Map.of()))
                .extracting(ConfigError::key).containsExactly("gateway.websocket.close_codes.kick");
        assertThat(errors("upstream: http://x:1\njwt: {required: true}", Map.of())).extracting(ConfigError::message)
                .anyMatch(m -> m.contains("no key is configured"));
    }

    @Test
    void theLoaderGivesLinesAndTheMessageNeverQuotesASecret() throws Exception {
        List<ConfigError> errors = new ArrayList<>();
        GatewayConfig.fromMap(yaml("listen: 'bad'\nupstream: http://x:1\njwt: {keys: [{secret: '${S}'}]}"),
                Map.of("S", "tiny-secret"), key -> key.equals("gateway.listen") ? 7 : 0, errors);
        assertThat(errors).extracting(ConfigError::line).contains(7);
        assertThat(errors).extracting(ConfigError::message).noneMatch(m -> m.contains("tiny-secret"));
    }

    @Test
    void secretsComeFromTheEnvironment() throws Exception {
        String text = "upstream: http://x:1\njwt: {keys: [{secret: '${JWT_SECRET}'}, {secret: '${OTHER:-" + Tokens.SECRET + "}'}]}";
        GatewaySettings s = GatewayConfig.fromMap(yaml(text), Map.of("JWT_SECRET", Tokens.SECRET + "-from-env"));
        assertThat(s.jwt().keys()).hasSize(2);
        assertThat(errors(text, Map.of())).extracting(ConfigError::key).containsExactly("gateway.jwt.keys[0].secret");
        assertThat(errors(text, Map.of()).get(0).message()).contains("JWT_SECRET is not set");
    }

    @Test
    void aKeyTypePinsItsAlgorithms() throws Exception {
        Map<String, String> env = Map.of("RSA_PEM", Tokens.rsaPublicPem(), "SECRET", Tokens.SECRET);
        GatewaySettings s = GatewayConfig.fromMap(yaml("upstream: http://x:1\njwt: {keys: [{public_key: '${RSA_PEM}'},"
                + " {secret: '${SECRET}'}, {public_key: \"" + Tokens.edPublicPem().replace("\n", "\\n") + "\"}]}"), env);
        assertThat(s.jwt().keys().get(0).algorithms()).containsExactly(JWSAlgorithm.RS256);
        assertThat(s.jwt().keys().get(1).algorithms()).containsExactly(JWSAlgorithm.HS256);
        assertThat(s.jwt().keys().get(2).algorithms()).containsExactly(JWSAlgorithm.EdDSA);

        assertThat(errors("upstream: http://x:1\njwt: {keys: [{public_key: '${RSA_PEM}', alg: HS256}]}", env))
                .extracting(ConfigError::message).anyMatch(m -> m.contains("cannot verify HS256"));
        assertThat(errors("upstream: http://x:1\njwt: {algorithms: [RS256], keys: [{secret: '${SECRET}'}]}", env))
                .extracting(ConfigError::message).anyMatch(m -> m.contains("can verify none"));
        assertThat(errors("upstream: http://x:1\njwt: {keys: [{public_key: 'not a key'}]}", env))
                .extracting(ConfigError::key).containsExactly("gateway.jwt.keys[0].public_key");
    }

    @Test
    void durationsAndSizesUseTheConfigSyntax() {
        assertThat(GatewayConfig.parseDurationMillis("500ms")).isEqualTo(500);
        assertThat(GatewayConfig.parseDurationMillis("25s")).isEqualTo(25_000);
        assertThat(GatewayConfig.parseDurationMillis("2h")).isEqualTo(7_200_000);
        assertThat(GatewayConfig.parseDurationMillis("1500")).isEqualTo(1500);
        assertThat(GatewayConfig.parseSize("64KB")).isEqualTo(65_536);
        assertThat(GatewayConfig.parseSize("1mb")).isEqualTo(1 << 20);
        assertThatThrownBy(() -> GatewayConfig.parseDurationMillis("soon")).hasMessageContaining("not a duration");
    }

    @Test
    void theInvalidSectionThrowsWithEveryErrorFromTheConvenienceOverload() {
        assertThatThrownBy(() -> GatewayConfig.fromMap(yaml("listen: x"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gateway.upstream")
                .hasMessageContaining("gateway.listen");
    }

    @ParameterizedTest
    @ValueSource(strings = {"librechat.yaml", "open-webui.yaml", "barertc.yaml", "dm-chat.yaml"})
    void theExamplesInTheDocsAreValid(String file) throws Exception {
        Map<String, Object> root;
        try (InputStream in = getClass().getResourceAsStream("/gateway/" + file)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = YAML.readValue(in, Map.class);
            root = m;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> section = (Map<String, Object>) root.get("gateway");
        Map<String, String> env = Map.of("JWT_SECRET", Tokens.SECRET, "WEBUI_SECRET_KEY", Tokens.SECRET);
        List<ConfigError> errors = new ArrayList<>();
        assertThat(GatewayConfig.fromMap(section, env, null, errors)).isNotNull();
        assertThat(errors).isEmpty();
    }

    @Test
    void pathPatternsMatchTheWayRoutersRoute() {
        PathPattern login = PathPattern.parse("/api/auth/login");
        assertThat(login.matches("/api/auth/login")).isTrue();
        assertThat(login.matches("/API/Auth/Login/")).isTrue();
        assertThat(login.matches("/api/auth/login/x")).isFalse();
        assertThat(login.matches("/api/auth")).isFalse();
        PathPattern one = PathPattern.parse("/api/v1/channels/*/messages/post");
        assertThat(one.matches("/api/v1/channels/abc/messages/post")).isTrue();
        assertThat(one.matches("/api/v1/channels//messages/post")).isFalse();
        PathPattern rest = PathPattern.parse("/api/ask/**");
        assertThat(rest.matches("/api/ask")).isTrue();
        assertThat(rest.matches("/api/ask/openAI/x")).isTrue();
        assertThat(rest.matches("/api/asking")).isFalse();
        assertThat(PathPattern.ambiguous("/api/x/../auth/login")).isTrue();
        assertThat(PathPattern.ambiguous("/api/auth%2flogin")).isTrue();
        assertThat(PathPattern.ambiguous("/api/auth/login")).isFalse();
        assertThatThrownBy(() -> PathPattern.parse("/api/**/x")).hasMessageContaining("'**'");
    }

    @Test
    void socketIoPacketsParseAndEncodeLikeSocketIoParser() {
        SocketIo.Packet connect = SocketIo.parse("40{\"token\":\"abc\"}");
        assertThat(connect.type()).isEqualTo(SocketIo.CONNECT);
        assertThat(connect.nsp()).isEqualTo("/");
        assertThat(connect.json()).isEqualTo("{\"token\":\"abc\"}");
        SocketIo.Packet ev = SocketIo.parse("42/chat,17[\"dm\",{\"to\":\"b\"}]");
        assertThat(ev.type()).isEqualTo(SocketIo.EVENT);
        assertThat(ev.nsp()).isEqualTo("/chat");
        assertThat(ev.ackId()).isEqualTo(17);
        assertThat(ev.json()).isEqualTo("[\"dm\",{\"to\":\"b\"}]");
        assertThat(ev.encode()).isEqualTo("42/chat,17[\"dm\",{\"to\":\"b\"}]");
        SocketIo.Packet bin = SocketIo.parse("452-[\"up\",{\"_placeholder\":true,\"num\":0}]");
        assertThat(bin.type()).isEqualTo(SocketIo.BINARY_EVENT);
        assertThat(bin.attachments()).isEqualTo(2);
        assertThat(bin.encode()).isEqualTo("452-[\"up\",{\"_placeholder\":true,\"num\":0}]");
        assertThat(SocketIo.parse("40").json()).isNull();
        assertThat(SocketIo.parse("2")).isNull();
        assertThat(SocketIo.parse("45x-[]")).isNull();
        assertThat(SocketIo.event("/", "[\"moat:error\",{}]")).isEqualTo("42[\"moat:error\",{}]");
    }
}

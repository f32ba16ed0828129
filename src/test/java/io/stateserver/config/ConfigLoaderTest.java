package io.stateserver.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef-secret";

  @TempDir Path tmp;
  private Map<String, String> env;

  @BeforeEach
  void isolateDataDir() {
    env = new HashMap<>();
    env.put("STATE_DATA_DIR", tmp.resolve("data").toString());
  }

  private ServerConfig load(String... args) {
    return ConfigLoader.load(args, env);
  }

  private Path configFile(String json) throws IOException {
    Path file = tmp.resolve("config.json");
    Files.writeString(file, json, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void defaultsDescribeASingleNodeOnEmbeddedH2() {
    ServerConfig config = load();

    assertThat(config.http().host()).isEqualTo("0.0.0.0");
    assertThat(config.http().port()).isEqualTo(8080);
    assertThat(config.http().allowedOrigins()).isEmpty();
    assertThat(config.http().handshakeTimeoutMs()).isEqualTo(10000);
    assertThat(config.http().instances()).isZero();
    assertThat(config.eventLoops()).as("0: Vert.x's default").isZero();
    Path dataDir = tmp.resolve("data").toAbsolutePath();
    assertThat(config.dataDir()).isEqualTo(dataDir);
    assertThat(config.db().url())
        .isEqualTo(
            "jdbc:h2:file:"
                + dataDir
                + "/state;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000;WRITE_DELAY=0");
    assertThat(config.db().isEmbeddedH2()).isTrue();
    assertThat(config.db().poolSize()).isEqualTo(8);
    assertThat(config.db().maxBatch()).isEqualTo(512);
    assertThat(config.jwt().publicKeys()).isEmpty();
    assertThat(config.jwt().issuer()).isNull();
    assertThat(config.jwt().audience()).isNull();
    assertThat(config.jwt().leewaySeconds()).isEqualTo(30);
    assertThat(config.cluster().enabled()).isFalse();
    assertThat(config.cluster().configFile()).isEqualTo(Path.of("cluster-config/hazelcast.xml"));
    assertThat(config.cluster().members()).containsExactly("127.0.0.1");
    assertThat(config.cluster().port()).isEqualTo(5701);
    assertThat(config.nodeId()).matches("node-[0-9a-f]{8}");
    ServerConfig.Limits limits = config.limits();
    assertThat(limits.maxFrameBytes()).isEqualTo(1048576);
    assertThat(limits.maxValueBytes()).isEqualTo(65536);
    assertThat(limits.maxSubscriptions()).isEqualTo(100);
    assertThat(limits.sessionGraceMs()).isEqualTo(30000);
    assertThat(limits.rate()).isEqualTo(new ServerConfig.Rate(500, 2000, 4194304));
    assertThat(limits.maxPendingReplies()).isEqualTo(1024);
    assertThat(limits.maxListLimit()).isEqualTo(10000);
    assertThat(limits.shutdownGraceMs()).isEqualTo(10000);
    assertThat(config.roles())
        .containsEntry(
            "device",
            new ServerConfig.RoleRules(
                List.of("config/#", "devices/${sub}/#"), List.of("devices/${sub}/#")))
        .containsEntry("admin", new ServerConfig.RoleRules(List.of("#", "$sys/#"), List.of("#")));
  }

  @Test
  void dataDirDefaultsToDataUnderTheWorkingDirectory() {
    env.clear();
    env.put("STATE_JWT_SECRET", SECRET);

    ServerConfig config = load();

    assertThat(config.dataDir()).isEqualTo(Path.of("data").toAbsolutePath());
  }

  @Test
  void eachLayerOverridesTheOneBefore() throws IOException {
    Path file =
        configFile(
            "{\"http\":{\"port\":1111,\"host\":\"10.0.0.1\"},"
                + "\"limits\":{\"sessionGraceMs\":1000,\"maxSubscriptions\":7},"
                + "\"db\":{\"poolSize\":3}}");
    env.put("STATE_CONFIG", file.toString());
    env.put("STATE_HTTP_PORT", "2222");
    env.put("STATE_SESSION_GRACE_MS", "2000");

    ServerConfig config = load("--http.port=3333");

    assertThat(config.http().port()).as("flag beats env").isEqualTo(3333);
    assertThat(config.limits().sessionGraceMs()).as("env beats file").isEqualTo(2000);
    assertThat(config.http().host()).as("file beats defaults").isEqualTo("10.0.0.1");
    assertThat(config.limits().maxSubscriptions()).isEqualTo(7);
    assertThat(config.db().poolSize()).isEqualTo(3);
    assertThat(config.limits().maxValueBytes()).as("untouched default").isEqualTo(65536);
  }

  @Test
  void configFlagBeatsConfigEnvironmentVariable() throws IOException {
    Path fromEnv = configFile("{\"http\":{\"port\":1111}}");
    Path fromFlag = tmp.resolve("other.json");
    Files.writeString(fromFlag, "{\"http\":{\"port\":4444}}");
    env.put("STATE_CONFIG", fromEnv.toString());

    assertThat(load("--config", fromFlag.toString()).http().port()).isEqualTo(4444);
  }

  @Test
  void flagsTakeTheirValueAfterEqualsOrAsTheNextArgument() {
    ServerConfig config =
        load("--limits.sessionGraceMs", "5000", "--http.port=9090", "--cluster.enabled");

    assertThat(config.limits().sessionGraceMs()).isEqualTo(5000);
    assertThat(config.http().port()).isEqualTo(9090);
    assertThat(config.cluster().enabled()).isTrue();
  }

  @Test
  void kebabCaseFlagsNameTheSameSettings() {
    Path dir = tmp.resolve("elsewhere");

    ServerConfig config = load("--data-dir", dir.toString(), "--limits.session-grace-ms=42");

    assertThat(config.dataDir()).isEqualTo(dir.toAbsolutePath());
    assertThat(config.limits().sessionGraceMs()).isEqualTo(42);
  }

  @Test
  void everyDocumentedEnvironmentVariableIsHonoured() throws IOException {
    Path hazelcastFile = Files.writeString(tmp.resolve("hz.xml"), "<hazelcast/>");
    env.put("STATE_HTTP_HOST", "127.0.0.2");
    env.put("STATE_HTTP_PORT", "0");
    env.put("STATE_DB_URL", "jdbc:postgresql://db:5432/state");
    env.put("STATE_DB_USER", "state");
    env.put("STATE_DB_PASSWORD", "pw");
    env.put("STATE_DB_POOL_SIZE", "4");
    env.put("STATE_DB_MAX_BATCH", "64");
    env.put("STATE_JWT_SECRET", SECRET);
    env.put("STATE_JWT_PUBLIC_KEYS", "a.pem, b.pem");
    env.put("STATE_JWT_ISSUER", "https://issuer");
    env.put("STATE_JWT_AUDIENCE", "state");
    env.put("STATE_JWT_LEEWAY_S", "5");
    env.put("STATE_CLUSTER", "true");
    env.put("STATE_CLUSTER_CONFIG", hazelcastFile.toString());
    env.put("STATE_CLUSTER_MEMBERS", "10.0.0.1:5701,10.0.0.2:5701");
    env.put("STATE_CLUSTER_PORT", "5801");
    env.put("STATE_CLUSTER_HOST", "10.0.0.9");
    env.put("STATE_CLUSTER_BUS_PORT", "5901");
    env.put("STATE_CLUSTER_BUS_PUBLIC_PORT", "35901");
    env.put("STATE_CLUSTER_PUBLIC_PORT", "35801");
    env.put("STATE_NODE_ID", "node-a");
    env.put("STATE_SESSION_GRACE_MS", "1234");
    env.put("STATE_ALLOWED_ORIGINS", "https://a.example,https://b.example");
    env.put("STATE_RATE_MESSAGES_PER_S", "11");
    env.put("STATE_RATE_BURST", "22");
    env.put("STATE_RATE_BYTES_PER_S", "33");
    env.put("STATE_MAX_SUBSCRIPTIONS", "44");
    env.put("STATE_HANDSHAKE_TIMEOUT_MS", "55");
    env.put("STATE_MAX_FRAME_BYTES", "66000");
    env.put("STATE_MAX_VALUE_BYTES", "6600");

    ServerConfig c = load();

    assertThat(c.http())
        .isEqualTo(
            new ServerConfig.Http(
                "127.0.0.2", 0, List.of("https://a.example", "https://b.example"), 55, 0));
    assertThat(c.db())
        .isEqualTo(
            new ServerConfig.Db(
                "jdbc:postgresql://db:5432/state",
                "state",
                "pw",
                4,
                64,
                604_800_000,
                3_600_000,
                15_000));
    assertThat(c.jwt())
        .isEqualTo(
            new ServerConfig.Jwt(
                SECRET, List.of(Path.of("a.pem"), Path.of("b.pem")), "https://issuer", "state", 5));
    assertThat(c.cluster())
        .isEqualTo(
            new ServerConfig.Cluster(
                true,
                hazelcastFile,
                List.of("10.0.0.1:5701", "10.0.0.2:5701"),
                5801,
                "10.0.0.9",
                5901,
                35901,
                35801));
    assertThat(c.nodeId()).isEqualTo("node-a");
    assertThat(c.limits().sessionGraceMs()).isEqualTo(1234);
    assertThat(c.limits().rate()).isEqualTo(new ServerConfig.Rate(11, 22, 33));
    assertThat(c.limits().maxSubscriptions()).isEqualTo(44);
    assertThat(c.limits().maxFrameBytes()).isEqualTo(66000);
    assertThat(c.limits().maxValueBytes()).isEqualTo(6600);
  }

  @Test
  void blankEnvironmentVariablesAreIgnored() {
    env.put("STATE_HTTP_PORT", " ");
    env.put("STATE_JWT_ISSUER", "");

    ServerConfig config = load();

    assertThat(config.http().port()).isEqualTo(8080);
    assertThat(config.jwt().issuer()).isNull();
  }

  @Test
  void commaSeparatedValuesBecomeTrimmedListsWithoutEmptyItems() {
    env.put("STATE_CLUSTER_MEMBERS", " a:1 , ,b:2,");

    assertThat(load().cluster().members()).containsExactly("a:1", "b:2");
  }

  @Test
  void configFileReplacesListsAndMergesRoles() throws IOException {
    Path file =
        configFile(
            "{\"cluster\":{\"members\":[\"x:1\"]},"
                + "\"roles\":{\"viewer\":{\"read\":[\"#\"]},\"device\":{\"write\":[]}}}");

    ServerConfig config = load("--config=" + file);

    assertThat(config.cluster().members()).containsExactly("x:1");
    assertThat(config.roles().get("viewer"))
        .isEqualTo(new ServerConfig.RoleRules(List.of("#"), List.of()));
    assertThat(config.roles().get("device").read()).contains("config/#");
    assertThat(config.roles().get("device").write()).isEmpty();
    assertThat(config.roles()).containsKey("admin");
  }

  @Test
  void roleRulesCanBeSetByFlag() {
    ServerConfig config = load("--roles.sensor.read=telemetry/#,config/#");

    assertThat(config.roles().get("sensor").read()).containsExactly("telemetry/#", "config/#");
  }

  @Test
  void nonNumericPortIsRefusedNamingTheSettingAndItsSource() {
    env.put("STATE_HTTP_PORT", "eighty");

    assertThatThrownBy(this::load)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.port")
        .hasMessageContaining("STATE_HTTP_PORT")
        .hasMessageContaining("\"eighty\"");
  }

  @Test
  void flushConsolidationIsOnByDefaultAndTheEnvironmentTurnsItOff() {
    assertThat(load().http().consolidateFlushes()).isTrue();

    env.put("STATE_CONSOLIDATE_FLUSHES", "false");
    assertThat(load().http().consolidateFlushes()).isFalse();

    env.put("STATE_CONSOLIDATE_FLUSHES", "sometimes");
    assertThatThrownBy(this::load)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("STATE_CONSOLIDATE_FLUSHES");
  }

  @Test
  void aBooleanSettingSetToNullInTheFileIsAConfigError() throws IOException {
    env.put(
        "STATE_CONFIG",
        configFile("{\"http\":{\"consolidateFlushes\":null},\"cluster\":{}}").toString());
    assertThatThrownBy(this::load)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.consolidateFlushes");

    env.put("STATE_CONFIG", configFile("{\"cluster\":{\"enabled\":null}}").toString());
    assertThatThrownBy(this::load)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster.enabled");
  }

  @Test
  void tombstonesAreKeptAWeekByDefaultAndNeverLessThanADayUnlessKeptForever() {
    assertThat(load().db().tombstoneRetentionMs()).isEqualTo(7L * 24 * 3_600_000);
    assertThat(load().db().tombstonePurgeEveryMs()).isEqualTo(3_600_000);

    env.put("STATE_DB_TOMBSTONE_RETENTION_MS", "0");
    env.put("STATE_DB_TOMBSTONE_PURGE_EVERY_MS", "1000");
    assertThat(load().db().tombstoneRetentionMs()).as("0: forever").isZero();
    assertThat(load().db().tombstonePurgeEveryMs()).isEqualTo(1000);
    assertThat(load("--db.tombstoneRetentionMs=86400000").db().tombstoneRetentionMs())
        .isEqualTo(86_400_000);

    // shorter, and a node that missed a deletion's broadcast might not find it in a catch-up sweep
    assertThatThrownBy(() -> load("--db.tombstoneRetentionMs=86399999"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("db.tombstoneRetentionMs");
    assertThatThrownBy(() -> load("--db.tombstoneRetentionMs=-1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("db.tombstoneRetentionMs");
    assertThatThrownBy(() -> load("--db.tombstonePurgeEveryMs=999"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("db.tombstonePurgeEveryMs");
  }

  @Test
  void theDatabaseNetworkTimeoutIsFifteenSecondsByDefaultZeroTurnsItOffAndAnHourIsTheMost() {
    assertThat(load().db().networkTimeoutMs()).isEqualTo(15_000);

    env.put("STATE_DB_NETWORK_TIMEOUT_MS", "0");
    assertThat(load().db().networkTimeoutMs()).as("0: no timeout").isZero();
    assertThat(load("--db.networkTimeoutMs=2500").db().networkTimeoutMs()).isEqualTo(2_500);

    assertThat(load("--db.networkTimeoutMs=3600000").db().networkTimeoutMs()).isEqualTo(3_600_000);

    assertThatThrownBy(() -> load("--db.networkTimeoutMs=-1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("db.networkTimeoutMs");
    assertThatThrownBy(() -> load("--db.networkTimeoutMs=3600001"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("db.networkTimeoutMs");
  }

  @Test
  void eventLoopsComeFromTheEnvironmentAndMustNotBeNegative() {
    env.put("STATE_EVENT_LOOPS", "3");
    assertThat(load().eventLoops()).isEqualTo(3);

    assertThatThrownBy(() -> load("--eventLoops=-1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("eventLoops");
  }

  @Test
  void outOfRangePortIsRefused() {
    assertThatThrownBy(() -> load("--http.port=70000"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.port");
  }

  @Test
  void wronglyTypedFileValueIsRefusedNamingTheFile() throws IOException {
    Path file = configFile("{\"limits\":{\"rate\":{\"burst\":\"lots\"}}}");

    assertThatThrownBy(() -> load("--config", file.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("limits.rate.burst")
        .hasMessageContaining(file.toString());
  }

  @Test
  void unknownFlagIsRefused() {
    assertThatThrownBy(() -> load("--http.prot=1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown flag --http.prot");
  }

  @Test
  void positionalArgumentIsRefused() {
    assertThatThrownBy(() -> load("serve"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("serve");
  }

  @Test
  void flagWithoutValueIsRefused() {
    assertThatThrownBy(() -> load("--http.port"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--http.port needs a value");
  }

  @Test
  void unknownSettingInConfigFileIsRefused() throws IOException {
    Path file = configFile("{\"limits\":{\"maxSubscribtions\":5}}");

    assertThatThrownBy(() -> load("--config", file.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown setting limits.maxSubscribtions");
  }

  @Test
  void malformedOrMissingConfigFileIsRefused() throws IOException {
    Path bad = configFile("{not json");

    assertThatThrownBy(() -> load("--config", bad.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(bad.toString());
    assertThatThrownBy(() -> load("--config", tmp.resolve("missing.json").toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("missing.json");
  }

  @Test
  void shortConfiguredSecretIsRefused() {
    env.put("STATE_JWT_SECRET", "too-short");

    assertThatThrownBy(this::load)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("jwt.secret")
        .hasMessageContaining("32 bytes");
  }

  @Test
  void configuredSecretIsUsedAndNoFileIsWritten() {
    env.put("STATE_JWT_SECRET", SECRET);

    assertThat(load().jwt().secret()).isEqualTo(SECRET);
    assertThat(tmp.resolve("data").resolve("jwt-secret")).doesNotExist();
  }

  @Test
  void missingSecretIsGeneratedOnceIntoTheDataFolderAndReused() throws IOException {
    String first = load().jwt().secret();
    String second = load().jwt().secret();

    Path file = tmp.resolve("data").resolve("jwt-secret");
    assertThat(file).exists();
    assertThat(first).hasSize(64).matches("[A-Za-z0-9_-]+");
    assertThat(second).isEqualTo(first);
    assertThat(Files.readString(file).trim()).isEqualTo(first);
    if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
      assertThat(Files.getPosixFilePermissions(file))
          .containsExactlyInAnyOrder(
              PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    }
    try (var leftovers = Files.list(tmp.resolve("data"))) {
      assertThat(leftovers).containsExactly(file);
    }
  }

  @Test
  void separateDataFoldersGetDifferentSecrets() {
    String first = load().jwt().secret();
    env.put("STATE_DATA_DIR", tmp.resolve("other").toString());

    assertThat(load().jwt().secret()).isNotEqualTo(first);
  }

  @Test
  void tooShortSecretFileIsRefused() throws IOException {
    Files.createDirectories(tmp.resolve("data"));
    Files.writeString(tmp.resolve("data").resolve("jwt-secret"), "short\n");

    assertThatThrownBy(this::load)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("jwt-secret");
  }

  @Test
  void explicitlyEmptySecretIsRefusedNotReplacedByAGeneratedOne() throws IOException {
    assertThatThrownBy(() -> load("--jwt.secret="))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("jwt.secret")
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> load("--jwt.secret=   "))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("empty");
    Path file = configFile("{\"jwt\": {\"secret\": \"\"}}");
    assertThatThrownBy(() -> load("--config", file.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("empty");
    assertThat(tmp.resolve("data").resolve("jwt-secret")).doesNotExist();
  }

  @Test
  void shortSecretFlagIsRefused() {
    assertThatThrownBy(() -> load("--jwt.secret=0123456789abcdef0123456789abcde"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("32 bytes");
  }

  @Test
  void pingsDefaultToEveryThirtySecondsAndAreSetByEnvironment() {
    assertThat(load().http().pingIntervalMs()).isEqualTo(30000);
    assertThat(load().http().pingTimeoutMs()).isEqualTo(20000);

    env.put("STATE_PING_INTERVAL_MS", "0");
    env.put("STATE_PING_TIMEOUT_MS", "500");
    ServerConfig.Http http = load().http();

    assertThat(http.pingIntervalMs()).isZero();
    assertThat(http.pingTimeoutMs()).isEqualTo(500);
    assertThatThrownBy(() -> load("--http.pingTimeoutMs=0"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.pingTimeoutMs");
  }

  @Test
  void tlsIsOffByDefaultAndOnWithBothPemFiles() throws IOException {
    assertThat(load().http().tls()).isNull();
    assertThat(load().http().tlsEnabled()).isFalse();

    env.put("STATE_TLS_CERT", "/etc/state/cert.pem");
    env.put("STATE_TLS_KEY", "/etc/state/key.pem");
    assertThat(load().http().tls())
        .isEqualTo(
            new ServerConfig.Tls(Path.of("/etc/state/cert.pem"), Path.of("/etc/state/key.pem")));

    env.remove("STATE_TLS_CERT");
    env.remove("STATE_TLS_KEY");
    Path file =
        configFile("{\"http\": {\"tls\": {\"certFile\": \"c.pem\", \"keyFile\": \"k.pem\"}}}");
    assertThat(load("--config", file.toString()).http().tls())
        .isEqualTo(new ServerConfig.Tls(Path.of("c.pem"), Path.of("k.pem")));
  }

  @Test
  void halfATlsConfigurationIsRefused() {
    env.put("STATE_TLS_CERT", "/etc/state/cert.pem");

    assertThatThrownBy(this::load)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("STATE_TLS_KEY");
  }

  @Test
  void generatedNodeIdsDiffer() {
    assertThat(load().nodeId()).isNotEqualTo(load().nodeId());
  }

  @Test
  void aNodeIdOutsideLettersDigitsDotsDashesAndUnderscoresOrLongerThan64IsAConfigError() {
    for (String bad : List.of("node/1", "node 1", "n\u00e9", "x".repeat(65), "a\nb")) {
      env.put("STATE_NODE_ID", bad);
      assertThatThrownBy(this::load)
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("STATE_NODE_ID");
    }
    env.put("STATE_NODE_ID", "pi-gateway_2.eu");
    assertThat(load().nodeId()).isEqualTo("pi-gateway_2.eu");
    env.put("STATE_NODE_ID", "x".repeat(64));
    assertThat(load().nodeId()).hasSize(64);
  }

  @Test
  void allowedOriginsMustBeOriginsAndAreComparedInLowerCase() {
    for (String bad :
        List.of(
            "https://app.example/",
            "app.example",
            "https://app.example/path",
            "https://app.example?x=1",
            "https://user@app.example")) {
      env.put("STATE_ALLOWED_ORIGINS", bad);
      assertThatThrownBy(this::load)
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("STATE_ALLOWED_ORIGINS")
          .hasMessageContaining(bad);
    }
    env.put(
        "STATE_ALLOWED_ORIGINS",
        "https://App.Example:8443, http://[::1]:8080,*,null,capacitor://localhost,"
            + "https://dash.example:443,http://pi_host:80");
    assertThat(load().http().allowedOrigins())
        .containsExactly(
            "https://app.example:8443",
            "http://[::1]:8080",
            "*",
            "null",
            "capacitor://localhost",
            "https://dash.example",
            "http://pi_host");
  }

  @Test
  void aDatabaseUrlOfAnUnsupportedKindIsAConfigError() {
    env.put("STATE_DB_URL", "jdbc:foo:bar");
    assertThatThrownBy(this::load)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("db.url");

    env.put("STATE_DB_URL", "jdbc:postgresql://127.0.0.1:5432/state");
    assertThat(load().db().url()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/state");
  }

  @Test
  void aFrameLimitAboveWhatTheToolsTakeIsAConfigError() {
    env.put("STATE_MAX_FRAME_BYTES", String.valueOf(ServerConfig.Limits.MAX_FRAME_BYTES + 1));
    assertThatThrownBy(this::load)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("limits.maxFrameBytes");

    env.put("STATE_MAX_FRAME_BYTES", String.valueOf(ServerConfig.Limits.MAX_FRAME_BYTES));
    assertThat(load().limits().maxFrameBytes()).isEqualTo(ServerConfig.Limits.MAX_FRAME_BYTES);
  }

  @Test
  void aHazelcastFileTheOperatorNamedMustExistWhenClustered() throws IOException {
    env.put("STATE_CLUSTER_CONFIG", tmp.resolve("nonexistent.xml").toString());
    // not clustered: the file is never read
    assertThat(load().cluster().configFile()).isEqualTo(tmp.resolve("nonexistent.xml"));

    env.put("STATE_CLUSTER", "true");
    env.put("STATE_DB_URL", "jdbc:postgresql://127.0.0.1:5432/state");
    assertThatThrownBy(this::load)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster.configFile")
        .hasMessageContaining("nonexistent.xml");

    Path file = tmp.resolve("hazelcast.xml");
    Files.writeString(file, "<hazelcast/>", StandardCharsets.UTF_8);
    env.put("STATE_CLUSTER_CONFIG", file.toString());
    assertThat(load().cluster().configFile()).isEqualTo(file);
  }

  @Test
  void theDefaultHazelcastFileMayBeAbsentForThePackagedCopy() {
    env.put("STATE_CLUSTER", "true");
    env.put("STATE_DB_URL", "jdbc:postgresql://127.0.0.1:5432/state");
    assertThat(load().cluster().configFile())
        .isEqualTo(Path.of(ConfigLoader.DEFAULT_HAZELCAST_FILE));
  }
}

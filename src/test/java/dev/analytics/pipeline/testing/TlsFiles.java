package dev.analytics.pipeline.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for {@code localhost} and {@code 127.0.0.1}, generated into a temporary
 * directory by the JDK's {@code keytool} (nothing is committed): a PKCS12 key store with the key
 * and certificate, a PKCS12 trust store and a PEM file with the certificate, and the key and
 * certificate as PEM for servers that read PEM (ClickHouse).
 *
 * @param keyStore PKCS12 key store, store and key password {@link #password}
 * @param trustStore PKCS12 trust store holding the certificate, password {@link #password}
 * @param certificatePem the certificate in PEM (a trust store of type PEM, and the server's)
 * @param privateKeyPem the private key, unencrypted PKCS#8 PEM (the server's)
 */
public record TlsFiles(
    Path keyStore, Path trustStore, Path certificatePem, Path privateKeyPem, String password) {

  /** Generates a fresh certificate named {@code name} (its CN) in {@code dir}. */
  public static TlsFiles generate(Path dir, String name, String password) throws Exception {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    if (!Files.isExecutable(keytool)) {
      throw new IllegalStateException(
          "keytool not found at " + keytool + ": the TLS tests need a full JDK 17");
    }
    Path keyStore = dir.resolve(name + "-keystore.p12");
    Path trustStore = dir.resolve(name + "-truststore.p12");
    Path cert = dir.resolve(name + "-cert.pem");
    Path key = dir.resolve(name + "-key.pem");
    run(
        keytool.toString(),
        "-genkeypair",
        "-alias",
        name,
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-validity",
        "2",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=dns:localhost,ip:127.0.0.1",
        "-storetype",
        "PKCS12",
        "-keystore",
        keyStore.toString(),
        "-storepass",
        password,
        "-keypass",
        password);
    run(
        keytool.toString(),
        "-exportcert",
        "-rfc",
        "-alias",
        name,
        "-keystore",
        keyStore.toString(),
        "-storepass",
        password,
        "-file",
        cert.toString());
    run(
        keytool.toString(),
        "-importcert",
        "-noprompt",
        "-alias",
        name,
        "-file",
        cert.toString(),
        "-storetype",
        "PKCS12",
        "-keystore",
        trustStore.toString(),
        "-storepass",
        password);
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(keyStore)) {
      store.load(in, password.toCharArray());
    }
    PrivateKey privateKey = (PrivateKey) store.getKey(name, password.toCharArray());
    Files.writeString(
        key,
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(privateKey.getEncoded())
            + "\n-----END PRIVATE KEY-----\n",
        StandardCharsets.US_ASCII);
    return new TlsFiles(keyStore, trustStore, cert, key, password);
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    byte[] output = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      List<String> shown = new ArrayList<>(List.of(command));
      throw new IllegalStateException(
          "keytool failed: "
              + String.join(" ", shown.subList(0, 2))
              + ": "
              + new String(output, StandardCharsets.UTF_8));
    }
  }
}

package dev.analytics.pipeline.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Collections;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Loads the trust and key stores named by the TLS options (PKCS12, JKS, or PEM certificates), so
 * that a wrong path, type or password stops the job at start-up instead of at the first connection,
 * and builds the {@link SSLContext} of the ClickHouse client from a trust store.
 *
 * <p>Messages never contain a password: only the path, the type and what failed.
 */
public final class KeyStores {
  private KeyStores() {}

  /** Formats of a trust or key store file. */
  public enum StoreType {
    PKCS12,
    JKS,
    /** X.509 certificates in PEM ({@code -----BEGIN CERTIFICATE-----}); trust stores only. */
    PEM
  }

  /**
   * The store at {@code path}: a PKCS12 or JKS file opened with {@code password} (null for none),
   * or for {@link StoreType#PEM} a store holding every certificate of the file.
   *
   * @throws IllegalArgumentException saying what is wrong (unreadable, not of the type, wrong
   *     password, no certificate), without the password
   */
  public static KeyStore load(String path, StoreType type, String password) {
    Path file = Path.of(path);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("'" + path + "' is not an existing file");
    }
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException("'" + path + "' is not readable");
    }
    try {
      if (type == StoreType.PEM) {
        return pem(file);
      }
      KeyStore store = KeyStore.getInstance(type.name());
      try (InputStream in = Files.newInputStream(file)) {
        store.load(in, password == null ? null : password.toCharArray());
      }
      return store;
    } catch (IOException e) {
      // KeyStore.load reports a wrong password as an IOException caused by an
      // UnrecoverableKeyException; anything else is a file of another format.
      if (e.getCause() instanceof UnrecoverableKeyException
          || String.valueOf(e.getMessage()).contains("password")) {
        throw new IllegalArgumentException(
            "'" + path + "' does not open with the given password (" + type + ")");
      }
      throw new IllegalArgumentException(
          "'" + path + "' is not a readable " + type + " store: " + e.getClass().getSimpleName());
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "'" + path + "' is not a readable " + type + " store: " + e.getClass().getSimpleName());
    }
  }

  /**
   * Checks that the key store opens with {@code storePassword}, holds a private key and that the
   * key opens with {@code keyPassword} (or, when null, the store password).
   *
   * @throws IllegalArgumentException saying what is wrong, without the passwords
   */
  public static void checkKeyStore(
      String path, StoreType type, String storePassword, String keyPassword) {
    if (type == StoreType.PEM) {
      throw new IllegalArgumentException(
          "a key store must be PKCS12 or JKS (PEM is supported for trust stores only)");
    }
    KeyStore store = load(path, type, storePassword);
    String password = keyPassword != null ? keyPassword : storePassword;
    try {
      boolean hasKey = false;
      for (String alias : Collections.list(store.aliases())) {
        if (store.isKeyEntry(alias)) {
          hasKey = true;
          store.getKey(alias, password == null ? new char[0] : password.toCharArray());
        }
      }
      if (!hasKey) {
        throw new IllegalArgumentException("'" + path + "' holds no private key");
      }
    } catch (UnrecoverableKeyException e) {
      throw new IllegalArgumentException(
          "the private key in '" + path + "' does not open with the given key password");
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "'" + path + "' has an unreadable key: " + e.getClass().getSimpleName());
    }
  }

  /** A TLS context trusting exactly the certificates of the trust store. */
  public static SSLContext sslContext(String path, StoreType type, String password) {
    try {
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(load(path, type, password));
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a TLS context from " + path, e);
    }
  }

  private static KeyStore pem(Path file) throws IOException, GeneralSecurityException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    if (!text.contains("-----BEGIN CERTIFICATE-----")) {
      throw new IllegalArgumentException(
          "'" + file + "' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    Collection<? extends Certificate> certificates;
    try (InputStream in = Files.newInputStream(file)) {
      certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
    }
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    int i = 0;
    for (Certificate certificate : certificates) {
      store.setCertificateEntry("ca-" + i++, certificate);
    }
    return store;
  }
}

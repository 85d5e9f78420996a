#include "agent/ca/ca.h"

#include <arpa/inet.h>

#include <memory>

#include "base/strings.h"
#include "openssl/ec.h"
#include "openssl/err.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/rand.h"
#include "openssl/x509.h"
#include "openssl/x509v3.h"

namespace cairn::agent {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(X509_REQ* p) const { X509_REQ_free(p); }
};
template <typename T>
using Ptr = std::unique_ptr<T, Free>;

absl::Status SslError(std::string_view what) {
  unsigned long code = ERR_get_error();
  char buf[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
  return absl::InternalError(StrCat(what, ": ", buf));
}

absl::StatusOr<Ptr<EVP_PKEY>> NewKeyObject() {
  Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx.get(), NID_X9_62_prime256v1) <=
          0 ||
      EVP_PKEY_keygen(ctx.get(), &key) <= 0) {
    return SslError("cannot make a key");
  }
  return Ptr<EVP_PKEY>(key);
}

std::string KeyPem(EVP_PKEY* key) {
  Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr,
                           nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, n);
}

std::string CertPem(X509* cert) {
  Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, n);
}

absl::Status AddExtension(X509* cert, X509* issuer, int nid,
                          const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return SslError(StrCat("bad extension ", value));
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return absl::OkStatus();
}

// A certificate for `key` named `cn`, valid `days`, with a random serial.
absl::StatusOr<Ptr<X509>> NewCert(EVP_PKEY* key, const std::string& cn,
                                  int days) {
  Ptr<X509> cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), int64_t{days} * 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()),
                             -1, -1, 0);
  return cert;
}

bool IsIp(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 ||
         inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

absl::StatusOr<KeyPair> MakeCa(const std::string& name, int days) {
  absl::StatusOr<Ptr<EVP_PKEY>> key = NewKeyObject();
  if (!key.ok()) return key.status();
  absl::StatusOr<Ptr<X509>> cert = NewCert(key->get(), name, days);
  if (!cert.ok()) return cert.status();
  X509* c = cert->get();
  X509_set_issuer_name(c, X509_get_subject_name(c));
  for (auto [nid, value] :
       {std::pair<int, std::string>{NID_basic_constraints,
                                    "critical,CA:TRUE,pathlen:0"},
        {NID_key_usage, "critical,keyCertSign,cRLSign"},
        {NID_subject_key_identifier, "hash"}}) {
    absl::Status s = AddExtension(c, c, nid, value);
    if (!s.ok()) return s;
  }
  if (X509_sign(c, key->get(), EVP_sha256()) == 0) {
    return SslError("cannot sign the CA certificate");
  }
  return KeyPair{KeyPem(key->get()), CertPem(c)};
}

namespace {

struct LoadedCa {
  Ptr<EVP_PKEY> key;
  Ptr<X509> cert;
};

absl::StatusOr<LoadedCa> LoadCa(const KeyPair& ca) {
  Ptr<BIO> key_bio(BIO_new_mem_buf(ca.key_pem.data(), ca.key_pem.size()));
  Ptr<EVP_PKEY> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  Ptr<BIO> cert_bio(BIO_new_mem_buf(ca.cert_pem.data(), ca.cert_pem.size()));
  Ptr<X509> cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!key || !cert) {
    return absl::InvalidArgumentError(
        "the CA's key or certificate is unreadable");
  }
  return LoadedCa{std::move(key), std::move(cert)};
}

// A certificate for `key` as `request` says, signed by `ca`.
absl::StatusOr<std::string> Certify(const LoadedCa& ca, EVP_PKEY* key,
                                    const CertRequest& request) {
  if (request.common_name.empty()) {
    return absl::InvalidArgumentError("a certificate needs a name");
  }
  absl::StatusOr<Ptr<X509>> cert =
      NewCert(key, request.common_name, request.days);
  if (!cert.ok()) return cert.status();
  X509* c = cert->get();
  X509_set_issuer_name(c, X509_get_subject_name(ca.cert.get()));
  std::vector<std::string> sans;
  for (const std::string& n : request.alt_names) {
    sans.push_back(StrCat(IsIp(n) ? "IP:" : "DNS:", n));
  }
  if (sans.empty()) sans.push_back(StrCat("DNS:", request.common_name));
  std::vector<std::pair<int, std::string>> extensions = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
      {NID_ext_key_usage, request.server ? "serverAuth" : "clientAuth"},
      {NID_subject_alt_name, StrJoin(sans, ",")},
      {NID_authority_key_identifier, "keyid:always"},
  };
  for (const auto& [nid, value] : extensions) {
    absl::Status s = AddExtension(c, ca.cert.get(), nid, value);
    if (!s.ok()) return s;
  }
  if (X509_sign(c, ca.key.get(), EVP_sha256()) == 0) {
    return SslError("cannot sign the certificate");
  }
  return CertPem(c);
}

absl::StatusOr<Ptr<EVP_PKEY>> ReadKey(const std::string& key_pem) {
  Ptr<BIO> bio(BIO_new_mem_buf(key_pem.data(), key_pem.size()));
  Ptr<EVP_PKEY> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return absl::InvalidArgumentError("the key is unreadable");
  return key;
}

}  // namespace

absl::StatusOr<KeyPair> Issue(const KeyPair& ca, const CertRequest& request) {
  absl::StatusOr<LoadedCa> loaded = LoadCa(ca);
  if (!loaded.ok()) return loaded.status();
  absl::StatusOr<Ptr<EVP_PKEY>> key = NewKeyObject();
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> cert = Certify(*loaded, key->get(), request);
  if (!cert.ok()) return cert.status();
  return KeyPair{KeyPem(key->get()), *cert};
}

absl::StatusOr<std::string> NewKey() {
  absl::StatusOr<Ptr<EVP_PKEY>> key = NewKeyObject();
  if (!key.ok()) return key.status();
  return KeyPem(key->get());
}

absl::StatusOr<std::string> MakeSigningRequest(const std::string& key_pem,
                                               const std::string& common_name) {
  absl::StatusOr<Ptr<EVP_PKEY>> key = ReadKey(key_pem);
  if (!key.ok()) return key.status();
  Ptr<X509_REQ> req(X509_REQ_new());
  X509_REQ_set_version(req.get(), 0);
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_UTF8,
      reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  if (X509_REQ_set_pubkey(req.get(), key->get()) == 0 ||
      X509_REQ_sign(req.get(), key->get(), EVP_sha256()) == 0) {
    return SslError("cannot make the signing request");
  }
  Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), req.get());
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, n);
}

absl::StatusOr<std::string> SignRequest(const KeyPair& ca,
                                        const std::string& csr_pem,
                                        const CertRequest& request) {
  absl::StatusOr<LoadedCa> loaded = LoadCa(ca);
  if (!loaded.ok()) return loaded.status();
  Ptr<BIO> bio(BIO_new_mem_buf(csr_pem.data(), csr_pem.size()));
  Ptr<X509_REQ> req(
      PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) {
    return absl::InvalidArgumentError(
        "the certificate signing request is unreadable");
  }
  Ptr<EVP_PKEY> key(X509_REQ_get_pubkey(req.get()));
  if (!key || X509_REQ_verify(req.get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        "the certificate signing request's signature does not verify");
  }
  return Certify(*loaded, key.get(), request);
}

}  // namespace cairn::agent

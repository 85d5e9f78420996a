#include "agent/ca/ca.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/x509.h"
#include "openssl/x509v3.h"

namespace cairn::agent {
namespace {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
template <typename T>
using Ptr = std::unique_ptr<T, X509Free>;

Ptr<X509> ReadCert(const std::string& pem) {
  Ptr<BIO> bio(BIO_new_mem_buf(pem.data(), pem.size()));
  return Ptr<X509>(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

Ptr<EVP_PKEY> ReadKey(const std::string& pem) {
  Ptr<BIO> bio(BIO_new_mem_buf(pem.data(), pem.size()));
  return Ptr<EVP_PKEY>(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

std::string CommonName(X509* cert) {
  char buf[256] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf,
                            sizeof buf);
  return buf;
}

// Whether `cert` chains to `ca` (signature, validity, purpose unchecked).
bool VerifiesAgainst(X509* cert, X509* ca) {
  Ptr<X509_STORE> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca);
  Ptr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr);
  return X509_verify_cert(ctx.get()) == 1;
}

class SignRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<KeyPair> ca = MakeCa("test CA");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *ca;
  }
  KeyPair ca_;
};

TEST_F(SignRequestTest, CertifiesTheRequestersKeyWithTheNamesTheCaChooses) {
  absl::StatusOr<std::string> key = NewKey();
  ASSERT_TRUE(key.ok()) << key.status();
  // The host asks for a name; the controller decides another.
  absl::StatusOr<std::string> csr = MakeSigningRequest(*key, "asked-for");
  ASSERT_TRUE(csr.ok()) << csr.status();
  EXPECT_EQ(csr->rfind("-----BEGIN CERTIFICATE REQUEST-----", 0), 0u);
  EXPECT_EQ(csr->find("PRIVATE KEY"), std::string::npos);

  CertRequest request;
  request.common_name = "web1";
  request.alt_names = {"web1", "10.0.0.5"};
  absl::StatusOr<std::string> cert = SignRequest(ca_, *csr, request);
  ASSERT_TRUE(cert.ok()) << cert.status();

  Ptr<X509> x(ReadCert(*cert));
  ASSERT_TRUE(x);
  EXPECT_EQ(CommonName(x.get()), "web1");
  Ptr<EVP_PKEY> host_key(ReadKey(*key));
  ASSERT_TRUE(host_key);
  EXPECT_EQ(X509_check_private_key(x.get(), host_key.get()), 1)
      << "the certificate is not for the host's key";
  Ptr<X509> ca_cert(ReadCert(ca_.cert_pem));
  EXPECT_TRUE(VerifiesAgainst(x.get(), ca_cert.get()));
  EXPECT_EQ(X509_check_ip_asc(x.get(), "10.0.0.5", 0), 1);
  EXPECT_EQ(X509_check_host(x.get(), "web1", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_host(x.get(), "asked-for", 0, 0, nullptr), 1);
}

TEST_F(SignRequestTest, RefusesARequestWhoseSignatureDoesNotVerify) {
  absl::StatusOr<std::string> key = NewKey();
  ASSERT_TRUE(key.ok());
  absl::StatusOr<std::string> csr = MakeSigningRequest(*key, "web1");
  ASSERT_TRUE(csr.ok());
  // Flip one character of the base64 body near its end (the signature).
  std::string tampered = *csr;
  size_t end = tampered.find("-----END");
  ASSERT_NE(end, std::string::npos);
  char& c = tampered[end - 6];
  c = c == 'A' ? 'B' : 'A';
  CertRequest request;
  request.common_name = "web1";
  absl::StatusOr<std::string> cert = SignRequest(ca_, tampered, request);
  EXPECT_EQ(cert.status().code(), absl::StatusCode::kInvalidArgument)
      << cert.status();
}

TEST_F(SignRequestTest, RefusesGarbageAndAnUnreadableCa) {
  CertRequest request;
  request.common_name = "web1";
  EXPECT_EQ(SignRequest(ca_, "not a request", request).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::string> key = NewKey();
  ASSERT_TRUE(key.ok());
  absl::StatusOr<std::string> csr = MakeSigningRequest(*key, "web1");
  ASSERT_TRUE(csr.ok());
  EXPECT_EQ(SignRequest(KeyPair{"x", "y"}, *csr, request).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(MakeSigningRequest("not a key", "web1").ok());
}

TEST(IssueTest, StillMakesAKeyAndACertificateForIt) {
  absl::StatusOr<KeyPair> ca = MakeCa("test CA");
  ASSERT_TRUE(ca.ok());
  CertRequest request;
  request.common_name = "controller";
  request.server = false;
  absl::StatusOr<KeyPair> pair = Issue(*ca, request);
  ASSERT_TRUE(pair.ok()) << pair.status();
  Ptr<X509> x(ReadCert(pair->cert_pem));
  Ptr<EVP_PKEY> k(ReadKey(pair->key_pem));
  ASSERT_TRUE(x && k);
  EXPECT_EQ(X509_check_private_key(x.get(), k.get()), 1);
  EXPECT_EQ(CommonName(x.get()), "controller");
}

}  // namespace
}  // namespace cairn::agent

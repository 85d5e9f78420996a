// The agent over real gRPC and TLS: a client with a certificate from the
// fleet's CA is served; a client with a foreign certificate, or none, is
// refused during the handshake.

#include "agent/ca/ca.h"
#include "agent/client/client.h"
#include "agent/host/fake_host.h"
#include "agent/server/service.h"
#include "gtest/gtest.h"

namespace cairn::agent {
namespace {

class MtlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<KeyPair> ca = MakeCa("test fleet");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *ca;
    CertRequest server;
    server.common_name = "web1";
    server.alt_names = {"localhost", "127.0.0.1"};
    absl::StatusOr<KeyPair> server_pair = Issue(ca_, server);
    ASSERT_TRUE(server_pair.ok()) << server_pair.status();
    grpc::ServerBuilder builder;
    builder.AddListeningPort(
        "localhost:0",
        MutualTlsServerCredentials(ca_.cert_pem, server_pair->cert_pem,
                                   server_pair->key_pem),
        &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  // Calls Facts with `credentials`; the status it ends with.
  grpc::Status CallFacts(std::shared_ptr<grpc::ChannelCredentials> credentials,
                         v1::HostFacts* facts) {
    auto channel =
        grpc::CreateChannel("localhost:" + std::to_string(port_), credentials);
    auto stub = v1::Agent::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    return stub->Facts(&context, v1::FactsRequest(), facts);
  }

  KeyPair ca_;
  FakeHost host_;
  Engine engine_{host_, EngineOptions{}};
  AgentService service_{engine_, host_};
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(MtlsTest, ClientSignedByTheCaIsServed) {
  CertRequest client;
  client.common_name = "controller";
  client.server = false;
  absl::StatusOr<KeyPair> pair = Issue(ca_, client);
  ASSERT_TRUE(pair.ok());
  v1::HostFacts facts;
  grpc::Status status = CallFacts(
      MutualTlsChannelCredentials(ca_.cert_pem, pair->cert_pem, pair->key_pem),
      &facts);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(facts.hostname().empty());
  EXPECT_FALSE(facts.arch().empty());
  EXPECT_EQ(facts.agent_version().rfind("cairn-agent", 0), 0u);
}

TEST_F(MtlsTest, ForeignCertificateIsRefused) {
  absl::StatusOr<KeyPair> other_ca = MakeCa("someone else");
  ASSERT_TRUE(other_ca.ok());
  CertRequest client;
  client.common_name = "controller";
  client.server = false;
  absl::StatusOr<KeyPair> pair = Issue(*other_ca, client);
  ASSERT_TRUE(pair.ok());
  v1::HostFacts facts;
  // It trusts our CA for the server, but its own certificate is foreign.
  grpc::Status status = CallFacts(
      MutualTlsChannelCredentials(ca_.cert_pem, pair->cert_pem, pair->key_pem),
      &facts);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(facts.hostname().empty());
}

TEST_F(MtlsTest, ClientWithoutCertificateIsRefused) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ca_.cert_pem;
  v1::HostFacts facts;
  grpc::Status status = CallFacts(grpc::SslCredentials(options), &facts);
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(facts.hostname().empty());
}

TEST_F(MtlsTest, PlainTcpIsRefused) {
  v1::HostFacts facts;
  grpc::Status status = CallFacts(grpc::InsecureChannelCredentials(), &facts);
  EXPECT_FALSE(status.ok());
}

TEST_F(MtlsTest, ServerWithAForeignCertificateIsNotTrusted) {
  // The controller side: an agent whose certificate another CA signed is
  // not believed, even though the client's own certificate is good.
  absl::StatusOr<KeyPair> other_ca = MakeCa("someone else");
  ASSERT_TRUE(other_ca.ok());
  CertRequest client;
  client.common_name = "controller";
  client.server = false;
  absl::StatusOr<KeyPair> pair = Issue(ca_, client);
  ASSERT_TRUE(pair.ok());
  v1::HostFacts facts;
  grpc::Status status =
      CallFacts(MutualTlsChannelCredentials(other_ca->cert_pem, pair->cert_pem,
                                            pair->key_pem),
                &facts);
  EXPECT_FALSE(status.ok());
}

}  // namespace
}  // namespace cairn::agent

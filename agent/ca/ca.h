#ifndef CAIRN_AGENT_CA_CA_H_
#define CAIRN_AGENT_CA_CA_H_

// The fleet's certificate authority: the controller and every agent
// authenticate each other with certificates it signed (mutual TLS). Keys
// are ECDSA P-256; certificates are X.509 v3, PEM-encoded.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cairn::agent {

// A key and the certificate for it, PEM-encoded.
struct KeyPair {
  std::string key_pem;
  std::string cert_pem;
};

// A new self-signed CA, valid for `days`, named `name`.
absl::StatusOr<KeyPair> MakeCa(const std::string& name, int days = 3650);

// What a certificate is for.
struct CertRequest {
  // The subject's common name: the host name, or "controller".
  std::string common_name;
  // Subject alternative names: DNS names and IP addresses (told apart by
  // their form).
  std::vector<std::string> alt_names;
  // For a server (an agent) or a client (the controller).
  bool server = true;
  int days = 825;
};

// A new key and a certificate for it, signed by `ca`.
absl::StatusOr<KeyPair> Issue(const KeyPair& ca, const CertRequest& request);

// Enrolment without the key ever leaving its host: the host makes its key
// (NewKey) and a signing request for it (MakeSigningRequest); the
// controller signs the request (SignRequest) and sends back only the
// certificate.

// A new private key, PEM-encoded.
absl::StatusOr<std::string> NewKey();

// A certificate signing request (PKCS#10, PEM) for `key_pem`, signed with it,
// naming `common_name`. It proves that its sender holds the key; the names
// in it are only a hint.
absl::StatusOr<std::string> MakeSigningRequest(const std::string& key_pem,
                                               const std::string& common_name);

// A certificate for the key of the signing request `csr_pem`, signed by
// `ca`. The request's own signature must verify (InvalidArgument if not);
// its subject and extensions are ignored: the certificate names what
// `request` says, which the controller decides.
absl::StatusOr<std::string> SignRequest(const KeyPair& ca,
                                        const std::string& csr_pem,
                                        const CertRequest& request);

}  // namespace cairn::agent

#endif  // CAIRN_AGENT_CA_CA_H_

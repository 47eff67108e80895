// OpenSSL's libcrypto, for the gateway's HMACs and digests: the toolchain has no crypto module.
#ifndef TETHER_CCRYPTO_SHIM_H
#define TETHER_CCRYPTO_SHIM_H

#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#endif

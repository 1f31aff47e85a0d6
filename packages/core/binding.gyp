{
  # The addon links against nothing: OpenSSL symbols resolve from the running node binary,
  # and the headers come from Node's include dir (include/node/openssl).
  "targets": [
    {
      "target_name": "signet_digest",
      "sources": ["native/digest_sign.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
      "xcode_settings": { "OTHER_CFLAGS": ["-Wall", "-Wextra"] }
    }
  ]
}

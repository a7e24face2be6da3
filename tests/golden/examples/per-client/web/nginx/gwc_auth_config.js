export default {
 "methods": {
  "customers": {
   "algorithms": [
    "ES256",
    "RS256"
   ],
   "audiences": [
    "shop-web"
   ],
   "header": "Authorization",
   "issuer": "https://login.shop.example/",
   "keys": [
    {
     "alg": "ES256",
     "kid": "shop-2026-ec",
     "spki": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEXD5E4PSp7Pb8QJiwaGcyQZdk9iuE5QeK5MHTQ3bZdMQZ6RGlmUE5Ko3L9H5D1mCS/a1VzGFmoFa6EqaJdyj0jQ=="
    },
    {
     "alg": "RS256",
     "kid": "shop-2026-rsa",
     "spki": "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAo62/JsgFJbVXKLgrSZX3Kxq42MoW5eSwmG854hMQYSgW//QOcpBgK521IDbJhEVdJ+2NAT+D5KceCSeW6vaYApxJiX0N6Mz0z3UjEevt1ncAJ0N202HqxgVkHnjVVYEbCyYbtKeIFano+Fb2RKxZYtpS5/Z8rzLhIuFm9Y9S4iZc65J4LGQKI6ztfHXfYeCwxKFRtrpQZ84hqcnhulCMmPoytKiStlC0ohsu061NCjp6PNGl4jJmPZvQrIegLhEUFvDtYUFXElZextgPezbsLxNdtZAymct4Ugrb5UvrjBg9TFdianAMv+/n8qZ77BZKV4fVTlVE7oGk6TOyRMRg8wIDAQAB"
    }
   ],
   "leeway": 30,
   "query": null,
   "scheme": "Bearer",
   "secret": null,
   "type": "jwt"
  }
 }
};

export default {
 "methods": {
  "partners": {
   "format": "plain",
   "header": "X-Partner-Key",
   "keys": {
    "file": "/etc/gwc/partner-keys"
   },
   "query": null,
   "type": "api_key"
  },
  "robots": {
   "format": "sha256",
   "header": null,
   "keys": {
    "env": "GWC_ROBOT_KEYS"
   },
   "query": "robot_key",
   "type": "api_key"
  },
  "staff": {
   "algorithms": [
    "HS256"
   ],
   "audiences": [
    "internal"
   ],
   "header": "Authorization",
   "issuer": "https://login.example.com/",
   "keys": [],
   "leeway": 30,
   "query": "access_token",
   "scheme": "Bearer",
   "secret": {
    "env": "GWC_STAFF_SECRET"
   },
   "type": "jwt"
  }
 }
};

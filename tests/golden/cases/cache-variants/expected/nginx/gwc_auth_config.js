export default {
 "methods": {
  "users": {
   "format": "plain",
   "header": "X-API-Key",
   "keys": {
    "env": "GWC_USER_KEYS"
   },
   "query": null,
   "type": "api_key"
  }
 }
};

export default {
 "methods": {
  "keys": {
   "format": "plain",
   "header": "X-API-Key",
   "keys": {
    "env": "GWC_TEST_KEYS"
   },
   "query": null,
   "type": "api_key"
  }
 }
};

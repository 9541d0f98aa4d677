// The types of http/v4/request and http/v4/response live with the capability that implements them.
/// <reference path="../../../src/capabilities/http/http.d.ts" />

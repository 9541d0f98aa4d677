// The types of net/v4/evqueue live with the capability that implements it.
/// <reference path="../../../src/capabilities/evqueue/evqueue.d.ts" />

// The types of net/v4/websockets live with the capability that implements it.
/// <reference path="../../../src/capabilities/websockets/websockets.d.ts" />

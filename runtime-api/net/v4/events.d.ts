// The types of net/v4/events live with the capability that implements it.
/// <reference path="../../../src/capabilities/events/events.d.ts" />

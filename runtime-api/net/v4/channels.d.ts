// The types of net/v4/channels live with the capability that implements it.
/// <reference path="../../../src/capabilities/channels/channels.d.ts" />

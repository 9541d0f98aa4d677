// The types of net/v4/monorail live with the capability that implements it.
/// <reference path="../../../src/capabilities/monorail/monorail.d.ts" />

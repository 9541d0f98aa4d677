// The types of core/v4/configurations live with the capability that implements it.
/// <reference path="../../../src/capabilities/configurations/configurations.d.ts" />

// Package profile reads, validates, saves and watches LLxprt profiles and
// turns one into a balancer.
//
// A profile is a JSON or TOML file in <config-dir>/profiles (see
// [ConfigDir] and [Store]). Every shape LLxprt Code writes loads here: the
// recipe's `"provider": "lb"` profile with ephemeralSettings.lb buckets, a
// standard single-provider profile, the `"type": "loadbalancer"` profile over
// other saved profiles, and the inline `loadBalancer.subProfiles` form.
// [Parse] keeps the whole document, unknown keys and key order included, so
// a profile written by another tool comes back unchanged from [Store.Save].
//
// [Build] resolves each bucket's credential through [auth.Resolver] and hands
// the buckets to balancer.New; [NewHealthState] shares cooldowns between the
// server processes of several editor windows; [Store.Watch] tells a running
// server when a profile changed on disk.
package profile

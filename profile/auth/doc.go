// Package auth finds the credential for one balancer bucket and keeps it out
// of everything else.
//
// [Resolver.Resolve] walks the sources in a fixed order and the first one
// found wins: the bucket's inline key, a keyfile, a named entry in the OS
// keyring, the provider's environment variable, an OAuth token (plugged in
// through [OAuthSource]), and finally "none needed" for local servers. The
// [Source] it reports says where the credential came from without ever
// holding it, so status screens can show it; [Mask] and [Redactor] are how a
// secret is shown or scrubbed when it has to be mentioned at all.
package auth

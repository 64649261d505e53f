// Package providers holds the provider-neutral request, event and error types
// and the [Provider] interface that every vendor adapter implements.
//
// A request walks down once (server → balancer → adapter → vendor HTTPS) and
// the reply streams back up as [Event]s through a push iterator, so a caller
// that stops ranging releases the vendor stream at once. Every failure an
// adapter returns is a classified [*Error]: the balancer decides on retries
// and failover from [ErrorKind] alone and never parses vendor messages.
//
// The adapters live in sub-packages (anthropic, openai, gemini); [registry]
// builds one from a [Config]. The fake vendor servers used by every test,
// benchmark and the demo live in providertest.
package providers

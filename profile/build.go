package profile

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/profile/auth"
	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/providers/registry"
)

// BuildOptions are what Build needs from outside the profile.
type BuildOptions struct {
	// Store resolves the members of a "type": "loadbalancer" profile by
	// name; nil means such a profile cannot be built.
	Store *Store
	// Name is the profile's name, for errors and warnings.
	Name string
	// Env reads environment variables; nil means os.Getenv.
	Env func(string) string
	// Creds resolves credentials; nil means auth.NewResolver(Env).
	Creds *auth.Resolver
	// HTTPClient is passed to every adapter (tests, benchmarks); nil means
	// each adapter's default.
	HTTPClient *http.Client
	// SharedState shares cooldowns with other processes; nil means none.
	SharedState balancer.SharedState
	// Observer receives the balancer's routing events; nil means none.
	Observer func(balancer.Event)
	// Logger gets one debug line per bucket (never a secret); the zero
	// Logger discards.
	Logger zerolog.Logger
}

// Built is a profile turned into a running balancer.
type Built struct {
	Balancer *balancer.Balancer
	// Warnings are legal but probably wrong things (a context-limit above
	// the smallest window, a bucket without a credential), for the user.
	Warnings []string
	// Credentials says, per bucket in balancer order, where its credential
	// came from; never the secret.
	Credentials []auth.Source
	// Members are the saved profiles a "type": "loadbalancer" profile was
	// built from, at any depth: a server watching the store rebuilds when
	// one of them changes, not only the profile itself.
	Members []string
}

// Build turns p into a balancer: it resolves "type": "loadbalancer" members
// through opts.Store (a cycle or a missing member is an error naming it),
// finds each bucket's credential, and builds one adapter per bucket.
//
// A bucket whose credential cannot be found (or whose keyfile is refused) is
// not fatal when another bucket has one: it is built as a bucket that always
// fails with an auth error, which the balancer takes out of rotation, and a
// warning says what to fix. High availability is the point of a multi-bucket
// profile, so one missing key must not take the others down. When no bucket
// has a credential, Build fails with every bucket's reason.
func Build(ctx context.Context, p *Profile, opts BuildOptions) (*Built, error) {
	if p == nil {
		return nil, errors.New("profile: Build: nil profile")
	}
	label := opts.Name
	if label == "" {
		label = "(inline)"
	}
	var members []string
	buckets, policy, err := resolveBuckets(p, opts.Store, []string{opts.Name}, &members)
	if err != nil {
		return nil, err
	}
	settings, err := settingsOf(p)
	if err != nil {
		return nil, fmt.Errorf("profile %s: ephemeralSettings: %w", label, err)
	}
	creds := opts.Creds
	if creds == nil {
		creds = auth.NewResolver(opts.Env)
	}
	out := &Built{Members: members}
	bbs, err := buildBuckets(ctx, label, buckets, creds, opts, out)
	if err != nil {
		return nil, err
	}
	var bopts []balancer.Option
	if opts.Observer != nil {
		bopts = append(bopts, balancer.WithObserver(opts.Observer))
	}
	if opts.SharedState != nil {
		bopts = append(bopts, balancer.WithSharedState(opts.SharedState))
	}
	bal, err := balancer.New(policy, bbs, settings, bopts...)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", label, err)
	}
	out.Balancer = bal
	limit := intOf(p.Ephemeral["context-limit"])
	if w := contextWarning(limit, buckets); w != "" {
		out.Warnings = append(out.Warnings, w)
	}
	return out, nil
}

// buildBuckets builds every bucket, recording credential sources and the
// warnings of buckets left without one in out.
func buildBuckets(ctx context.Context, label string, buckets []Bucket, creds *auth.Resolver, opts BuildOptions, out *Built) ([]balancer.Bucket, error) {
	bbs := make([]balancer.Bucket, 0, len(buckets))
	var failures []string
	for i, b := range buckets {
		bb, src, err := buildBucket(ctx, b, creds, opts)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var noCred *credError
			if !errors.As(err, &noCred) {
				return nil, fmt.Errorf("profile %s: bucket %d (%s/%s): %w", label, i+1, b.Provider, b.Model, err)
			}
			msg := fmt.Sprintf("bucket %d (%s/%s): %v", i+1, b.Provider, b.Model, noCred.err)
			failures = append(failures, msg)
			out.Warnings = append(out.Warnings, msg+" (the bucket is skipped; the others serve)")
		}
		opts.Logger.Debug().Str("profile", label).Int("bucket", i+1).Str("provider", b.Provider).
			Str("model", b.Model).Str("credential", src.String()).Msg("bucket built")
		bbs = append(bbs, bb)
		out.Credentials = append(out.Credentials, src)
	}
	if len(failures) == len(buckets) {
		return nil, fmt.Errorf("profile %s: no bucket has a credential:\n  %s", label, strings.Join(failures, "\n  "))
	}
	return bbs, nil
}

// credError marks a credential problem that leaves only its bucket broken.
type credError struct{ err error }

func (e *credError) Error() string { return e.err.Error() }
func (e *credError) Unwrap() error { return e.err }

func buildBucket(ctx context.Context, b Bucket, creds *auth.Resolver, opts BuildOptions) (balancer.Bucket, auth.Source, error) {
	id, ok := registry.Canonical(b.Provider)
	if !ok {
		return balancer.Bucket{}, auth.Source{}, fmt.Errorf("unknown provider %q: use one of %s", b.Provider, strings.Join(registry.Known(), ", "))
	}
	params, err := providers.ParseParams(b.ModelParams)
	if err != nil {
		return balancer.Bucket{}, auth.Source{}, err
	}
	bb := balancer.Bucket{
		Model:        b.Model,
		Params:       params,
		Weight:       b.Weight,
		ContextLimit: b.ContextLimit,
		Note:         b.Note,
	}
	if b.Path == "provider" {
		// A standard profile's context-limit is the user's cap, not the
		// model's window; the balancer reads it through Settings.
		bb.ContextLimit = 0
	}
	spec := auth.Spec{Key: b.Key, KeyFrom: b.KeyFrom, Keyfile: b.Keyfile, KeyName: b.KeyName, Optional: !registry.NeedsKey(id, b.BaseURL), OAuthOnly: b.OAuthOnly}
	cred, err := creds.Resolve(ctx, id, spec)
	if err != nil {
		if ctx.Err() != nil {
			return balancer.Bucket{}, auth.Source{}, ctx.Err()
		}
		src := auth.Source{Kind: auth.KindMissing}
		bb.Provider = unavailable{id: id, err: err}
		bb.Key = healthKey(id, b, src)
		bb.CredentialSource = src.String()
		return bb, src, &credError{err}
	}
	red := auth.NewRedactor(cred.Key)
	if tf := cred.Token; tf != nil {
		cred.Token = func(ctx context.Context) (string, error) {
			tok, err := tf(ctx)
			if err == nil {
				red.Add(tok)
			}
			return tok, err
		}
	}
	cfg := providers.Config{
		Provider:   id,
		BaseURL:    b.BaseURL,
		APIKey:     cred.Key,
		Token:      cred.Token,
		API:        b.API,
		Timeout:    time.Duration(b.SocketTimeoutMS) * time.Millisecond,
		HTTPClient: opts.HTTPClient,
		Headers:    b.Headers,
	}
	if cfg.BaseURL == "" && cred.Source.Kind == auth.KindOAuth {
		// An OAuth login may name its own API endpoint (Qwen's resource_url):
		// the token is only valid there.
		if ep, ok := creds.OAuth.(interface{ BaseURL(string) (string, bool) }); ok {
			cfg.BaseURL, _ = ep.BaseURL(id)
		}
	}
	prov, err := registry.New(cfg)
	if err != nil {
		return balancer.Bucket{}, auth.Source{}, err
	}
	bb.Provider = redacting{Provider: prov, r: red}
	bb.Key = healthKey(id, b, cred.Source)
	bb.CredentialSource = cred.Source.String()
	return bb, cred.Source, nil
}

// healthKey names an upstream for shared health: the same provider, model,
// endpoint and credential source in two editor windows is the same upstream.
// It holds no secret.
func healthKey(id string, b Bucket, src auth.Source) string {
	k := id + "|" + b.Model + "|" + b.BaseURL
	if src.Kind != "" {
		k += "|" + src.String()
	}
	return k
}

// unavailable is a bucket that cannot work until its profile is fixed: every
// call fails with a KindAuth error explaining why, so the balancer moves on
// and status shows the reason.
type unavailable struct {
	id  string
	err error
}

func (u unavailable) Name() string { return u.id }

func (u unavailable) Stream(ctx context.Context, _ *providers.Request) iter.Seq2[providers.Event, error] {
	return func(yield func(providers.Event, error) bool) {
		yield(providers.Event{}, &providers.Error{Provider: u.id, Kind: providers.KindAuth, Message: u.err.Error(), Err: u.err})
	}
}

// resolveBuckets flattens p into buckets and a policy. stack holds the
// profile names being resolved, to catch a cycle of "type": "loadbalancer"
// profiles.
func resolveBuckets(p *Profile, store *Store, stack []string, members *[]string) ([]Bucket, string, error) {
	if p.Kind() != KindLoadBalancer {
		return p.Buckets(), p.policy(), nil
	}
	self := stack[len(stack)-1]
	file := self + ".json"
	if self == "" {
		file = "(inline)"
	}
	if store == nil {
		return nil, "", &Error{File: file, Path: "profiles", Msg: "a \"type\": \"loadbalancer\" profile needs the profile store to find its members"}
	}
	var out []Bucket
	for i, name := range p.Profiles {
		for _, s := range stack {
			if s == name {
				chain := strings.Join(append(append([]string(nil), stack...), name), " → ")
				return nil, "", &Error{File: file, Path: index("profiles", i), Msg: fmt.Sprintf("load-balancer cycle %s: remove %q from one of them", chain, name)}
			}
		}
		if !slices.Contains(*members, name) {
			*members = append(*members, name)
		}
		sub, err := store.Load(name)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, "", &Error{File: file, Path: index("profiles", i), Msg: fmt.Sprintf("no saved profile %q: save it, or remove it from \"profiles\"", name)}
			}
			return nil, "", fmt.Errorf("%s: profiles[%d]: %w", file, i, err)
		}
		bs, _, err := resolveBuckets(sub, store, append(append([]string(nil), stack...), name), members)
		if err != nil {
			return nil, "", err
		}
		for _, b := range bs {
			if b.Profile == "" {
				b.Profile = name
			}
			if b.Note == "" {
				b.Note = "profile " + name
			}
			out = append(out, b)
		}
	}
	return out, p.Policy, nil
}

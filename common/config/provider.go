package config

import "example.com/gftrace/common/provider"

// NeedsProvider tells whether c asks for more than gf's Init can do, so
// that the main builds its own provider (see package provider).
func (c Config) NeedsProvider() bool {
	return c.OwnProvider || c.TLS != nil || len(c.Headers) > 0 || (c.Protocol == HTTP && c.Token != "") || c.Sampler != nil
}

// ProviderOptions are c's settings for package provider: what gf's Init
// would be given, and what it cannot take.
func (c Config) ProviderOptions() provider.Options {
	o := provider.Options{Service: c.Service, TLS: c.TLS, Headers: c.ExportHeaders(), Sampler: c.Sampler, HTTPClient: c.HTTPClient}
	if c.Protocol == HTTP {
		o.Endpoint = c.Target() // the URL: its scheme says TLS or not
	} else {
		o.Endpoint = c.Endpoint         // host:port
		o.Headers[AuthHeader] = c.Token // always, empty without a token, as gf's otlpgrpc.Init sends it
	}
	return o
}

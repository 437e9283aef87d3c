package config

import "example.com/gftrace/common/provider"

// NeedsProvider tells whether c asks for more than gf's Init can do, so
// that the main builds its own provider (see package provider).
func (c Config) NeedsProvider() bool {
	return c.OwnProvider || c.TLS != nil || len(c.Headers) > 0 || (c.Protocol == HTTP && c.Token != "") || c.Sampler != nil
}

// ProviderOptions are c's settings for package provider.
func (c Config) ProviderOptions() provider.Options {
	o := provider.Options{Service: c.Service, Endpoint: c.Target(), TLS: c.TLS, Headers: c.ExportHeaders(), Sampler: c.Sampler, HTTPClient: c.HTTPClient}
	if c.Protocol == GRPC {
		o.Endpoint = c.Endpoint         // host:port; TLS says TLS
		o.Headers[AuthHeader] = c.Token // always, empty without a token, as gf's otlpgrpc.Init sends it
	}
	return o
}

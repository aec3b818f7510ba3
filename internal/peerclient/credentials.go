// Package peerclient is the client side of `vpcvpn peer-config`: it finds
// Alibaba Cloud credentials the way the aliyun CLI and the official SDKs do,
// downloads a connection's customer-side configuration with
// DownloadVpnConnectionConfig through the official V2 SDK
// (github.com/alibabacloud-go/vpc-20160428/v6), from a vpcvpn server or from
// Alibaba Cloud itself, or reads a saved answer, and hands it to
// internal/render.
package peerclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Environment variables read by LoadCredentials (the official SDKs' names).
const (
	EnvAccessKeyID     = "ALIBABA_CLOUD_ACCESS_KEY_ID"
	EnvAccessKeySecret = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
	EnvSecurityToken   = "ALIBABA_CLOUD_SECURITY_TOKEN"
	EnvProfile         = "ALIBABA_CLOUD_PROFILE"
	EnvRegion          = "ALIBABA_CLOUD_REGION_ID"
)

// Credentials are what a request is signed with. Source tells where they
// came from ("environment" or "profile NAME in PATH"); it never holds a
// secret.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string // STS token; "" for a long-term key
	// Region is the profile's region_id ("" from the environment).
	Region string
	Source string
}

// CredentialOptions tell LoadCredentials where to look.
type CredentialOptions struct {
	// Getenv reads an environment variable; nil means os.Getenv.
	Getenv func(string) string
	// ConfigPath is the aliyun CLI's config file; "" means
	// $HOME/.aliyun/config.json.
	ConfigPath string
	// Profile picks a profile of the config file by name (--profile). ""
	// means: the environment's keys when ALIBABA_CLOUD_ACCESS_KEY_ID is set,
	// else the profile named by ALIBABA_CLOUD_PROFILE, else the file's
	// current profile.
	Profile string
}

// aliyunConfig is the part of ~/.aliyun/config.json that is read.
type aliyunConfig struct {
	Current  string          `json:"current"`
	Profiles []aliyunProfile `json:"profiles"`
}

type aliyunProfile struct {
	Name            string `json:"name"`
	Mode            string `json:"mode"`
	AccessKeyID     string `json:"access_key_id"`
	AccessKeySecret string `json:"access_key_secret"`
	StsToken        string `json:"sts_token"`
	RegionID        string `json:"region_id"`
}

// ErrNoCredentials is returned (wrapped) by LoadCredentials when no source
// holds credentials.
var ErrNoCredentials = errors.New("no Alibaba Cloud credentials found")

// LoadCredentials finds the credentials to sign with, in this order: the
// profile named by o.Profile (an error when it is missing); the environment
// (ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and the
// optional ALIBABA_CLOUD_SECURITY_TOKEN); the aliyun CLI config file's
// profile named by ALIBABA_CLOUD_PROFILE or its current profile. Profiles of
// mode AK and StsToken are supported; other modes are refused with an error
// naming the mode. Error messages say what to do next and never carry a
// secret.
func LoadCredentials(o CredentialOptions) (Credentials, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	path := o.ConfigPath
	if path == "" {
		home, err := os.UserHomeDir()
		if err == nil {
			path = filepath.Join(home, ".aliyun", "config.json")
		}
	}
	if o.Profile == "" {
		id, secret := getenv(EnvAccessKeyID), getenv(EnvAccessKeySecret)
		if id != "" || secret != "" {
			if id == "" || secret == "" {
				return Credentials{}, fmt.Errorf("set both %s and %s (only one is set)", EnvAccessKeyID, EnvAccessKeySecret)
			}
			return Credentials{AccessKeyID: id, AccessKeySecret: secret, SecurityToken: getenv(EnvSecurityToken),
				Region: getenv(EnvRegion), Source: "environment"}, nil
		}
	}
	if path == "" {
		return Credentials{}, fmt.Errorf("%w: set %s and %s", ErrNoCredentials, EnvAccessKeyID, EnvAccessKeySecret)
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if o.Profile != "" {
			return Credentials{}, fmt.Errorf("--profile %s: the aliyun CLI config file %s does not exist; run `aliyun configure --profile %s` or set %s and %s",
				o.Profile, path, o.Profile, EnvAccessKeyID, EnvAccessKeySecret)
		}
		return Credentials{}, fmt.Errorf("%w: set %s and %s, or run `aliyun configure` (writes %s)",
			ErrNoCredentials, EnvAccessKeyID, EnvAccessKeySecret, path)
	}
	if err != nil {
		return Credentials{}, fmt.Errorf("reading the aliyun CLI config file: %w", err)
	}
	var cfg aliyunConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return Credentials{}, fmt.Errorf("the aliyun CLI config file %s is not valid JSON (%v); fix it or set %s and %s",
			path, err, EnvAccessKeyID, EnvAccessKeySecret)
	}
	name := o.Profile
	if name == "" {
		name = getenv(EnvProfile)
	}
	if name == "" {
		name = cfg.Current
	}
	if name == "" {
		name = "default"
	}
	var p *aliyunProfile
	var names []string
	for i := range cfg.Profiles {
		names = append(names, cfg.Profiles[i].Name)
		if cfg.Profiles[i].Name == name {
			p = &cfg.Profiles[i]
		}
	}
	if p == nil {
		return Credentials{}, fmt.Errorf("profile %q is not in %s (profiles: %v); pass --profile with one of them or run `aliyun configure --profile %s`",
			name, path, names, name)
	}
	src := fmt.Sprintf("profile %s in %s", name, path)
	c := Credentials{AccessKeyID: p.AccessKeyID, AccessKeySecret: p.AccessKeySecret, Region: p.RegionID, Source: src}
	switch p.Mode {
	case "AK", "":
	case "StsToken":
		c.SecurityToken = p.StsToken
		if c.SecurityToken == "" {
			return Credentials{}, fmt.Errorf("%s: mode StsToken without sts_token; run `aliyun configure --profile %s --mode StsToken`", src, name)
		}
	default:
		return Credentials{}, fmt.Errorf("%s: mode %q is not supported by peer-config (only AK and StsToken); use such a profile or set %s and %s",
			src, p.Mode, EnvAccessKeyID, EnvAccessKeySecret)
	}
	if c.AccessKeyID == "" || c.AccessKeySecret == "" {
		return Credentials{}, fmt.Errorf("%s: access_key_id or access_key_secret is empty; run `aliyun configure --profile %s`", src, name)
	}
	return c, nil
}

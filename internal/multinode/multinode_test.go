package multinode

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	vpc "github.com/alibabacloud-go/vpc-20160428/v6/client"
)

// TestTwoNodes runs two server processes on one fresh PostgreSQL database,
// started at the same moment, and checks that they behave as one service.
func TestTwoNodes(t *testing.T) {
	c := newCluster(t, "198.18.0.0/24")
	nodes := c.startReady(t, "a", "b") // both started before either is ready
	a, b := nodes[0], nodes[1]

	t.Run("ConcurrentStartMigratesOnce", func(t *testing.T) {
		var versions, maxVersion, accounts, keys int
		query(t, c.dsn, `SELECT COUNT(*), MAX(version) FROM schema_migrations`, &versions, &maxVersion)
		query(t, c.dsn, `SELECT COUNT(*) FROM accounts`, &accounts)
		query(t, c.dsn, `SELECT COUNT(*) FROM access_keys`, &keys)
		if versions != maxVersion || versions < 3 {
			t.Errorf("schema_migrations has %d rows up to version %d, want one per version (>= 3)", versions, maxVersion)
		}
		if accounts != 1 || keys != 1 {
			t.Errorf("after a concurrent start: %d accounts, %d access keys; want exactly one root account and key", accounts, keys)
		}
		for _, n := range nodes {
			if r := n.call(t, "DescribeRegions"); r.status != 200 {
				t.Errorf("node %s: DescribeRegions %d %s", n.name, r.status, r.body)
			}
		}
	})

	t.Run("SameAnswersOnBothNodes", func(t *testing.T) { testSameAnswers(t, a, b) })
	t.Run("NonceReplayedOnOtherNode", func(t *testing.T) { testNonceReplay(t, a, b) })
	t.Run("ClientTokenOnBothNodes", func(t *testing.T) { testClientToken(t, a, b) })
	t.Run("GatewayAddressesUnique", func(t *testing.T) { testAddressesUnique(t, c, a, b) })
	t.Run("OneGatewayPerVpc", func(t *testing.T) { testOneGatewayPerVpc(t, a, b) })
	t.Run("InUseAcrossNodes", func(t *testing.T) { testInUse(t, a, b) })
	t.Run("AgentAcrossNodes", func(t *testing.T) { testAgentAcrossNodes(t, a, b) })
}

func must[T any](t testing.TB, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// testSameAnswers creates resources through node a's V2 SDK and reads them
// from both nodes: the bodies are byte-identical except RequestId, in JSON
// and XML (the download is the customer's view: Local is the customer
// gateway, Remote the VPN gateway). A change made on b is seen by a's next download (no node keeps
// answers in memory).
func testSameAnswers(t *testing.T, a, b *node) {
	ca := a.v2(t)
	reg := dara.String(region)
	v := must[*vpc.CreateVpcResponse](t, "CreateVpc")(ca.CreateVpc(&vpc.CreateVpcRequest{RegionId: reg, CidrBlock: dara.String("192.168.0.0/16"), VpcName: dara.String("shared")}))
	vpcID := dara.StringValue(v.Body.VpcId)
	sw := must[*vpc.CreateVSwitchResponse](t, "CreateVSwitch")(ca.CreateVSwitch(&vpc.CreateVSwitchRequest{RegionId: reg, VpcId: v.Body.VpcId, ZoneId: dara.String("cn-hangzhou-h"), CidrBlock: dara.String("192.168.1.0/24")}))
	g := must[*vpc.CreateVpnGatewayResponse](t, "CreateVpnGateway")(ca.CreateVpnGateway(&vpc.CreateVpnGatewayRequest{RegionId: reg, VpcId: v.Body.VpcId, VSwitchId: sw.Body.VSwitchId, Bandwidth: dara.Int32(10), Name: dara.String("gw-shared")}))
	gwID := dara.StringValue(g.Body.VpnGatewayId)
	cg := must[*vpc.CreateCustomerGatewayResponse](t, "CreateCustomerGateway")(ca.CreateCustomerGateway(&vpc.CreateCustomerGatewayRequest{RegionId: reg, IpAddress: dara.String("198.51.100.7"), Asn: dara.String("65001"), Name: dara.String("dc")}))
	cgID := dara.StringValue(cg.Body.CustomerGatewayId)
	conn := must[*vpc.CreateVpnConnectionResponse](t, "CreateVpnConnection")(ca.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{
		RegionId: reg, VpnGatewayId: g.Body.VpnGatewayId, CustomerGatewayId: cg.Body.CustomerGatewayId,
		LocalSubnet: dara.String("192.168.0.0/16"), RemoteSubnet: dara.String("10.0.0.0/8"), Name: dara.String("conn"),
		IkeConfig: dara.String(`{"Psk":"multinode-psk-1","IkeVersion":"ikev2"}`),
	}))
	connID := dara.StringValue(conn.Body.VpnConnectionId)

	reads := []struct {
		name   string
		action string
		params []string
		want   []string // substrings of the body
	}{
		{"DescribeVpcs", "DescribeVpcs", []string{"RegionId", region, "VpcId", vpcID}, []string{vpcID, `"VpcName":"shared"`}},
		{"DescribeVSwitches", "DescribeVSwitches", []string{"RegionId", region, "VpcId", vpcID}, []string{dara.StringValue(sw.Body.VSwitchId)}},
		{"DescribeVpnGateway", "DescribeVpnGateway", []string{"RegionId", region, "VpnGatewayId", gwID}, []string{gwID, `"InternetIp":"198.18.0.`}},
		{"DescribeVpnGateways", "DescribeVpnGateways", []string{"RegionId", region, "VpcId", vpcID}, []string{gwID, `"TotalCount":1`}},
		{"DescribeCustomerGateway", "DescribeCustomerGateway", []string{"RegionId", region, "CustomerGatewayId", cgID}, []string{cgID, "198.51.100.7"}},
		{"DescribeVpnConnection", "DescribeVpnConnection", []string{"RegionId", region, "VpnConnectionId", connID}, []string{connID, "multinode-psk-1"}},
		{"DescribeVpnConnections", "DescribeVpnConnections", []string{"RegionId", region, "VpnGatewayId", gwID}, []string{connID, `"TotalCount":1`}},
		{"Download", "DownloadVpnConnectionConfig", []string{"RegionId", region, "VpnConnectionId", connID}, []string{`"Psk":"multinode-psk-1"`, `"Remote":"198.18.0.`, `"Local":"198.51.100.7"`}},
		{"DownloadXML", "DownloadVpnConnectionConfig", []string{"RegionId", region, "VpnConnectionId", connID, "Format", "XML"}, []string{"<Psk>multinode-psk-1</Psk>", "<Local>198.51.100.7</Local>"}},
	}
	for _, tc := range reads {
		t.Run(tc.name, func(t *testing.T) {
			ra := a.call(t, tc.action, tc.params...)
			rb := b.call(t, tc.action, tc.params...)
			if ra.status != 200 || rb.status != 200 {
				t.Fatalf("status a=%d b=%d\na: %s\nb: %s", ra.status, rb.status, ra.body, rb.body)
			}
			if !bytes.Equal(withoutRequestID(t, ra.body), withoutRequestID(t, rb.body)) {
				t.Fatalf("bodies differ\na: %s\nb: %s", ra.body, rb.body)
			}
			for _, w := range tc.want {
				if !bytes.Contains(ra.body, []byte(w)) {
					t.Errorf("body lacks %q:\n%s", w, ra.body)
				}
			}
		})
	}

	// A change on b shows on a at once.
	if r := b.call(t, "ModifyVpnConnectionAttribute", "RegionId", region, "VpnConnectionId", connID, "IkeConfig", `{"Psk":"multinode-psk-2"}`); r.status != 200 {
		t.Fatalf("ModifyVpnConnectionAttribute on b: %d %s", r.status, r.body)
	}
	r := a.call(t, "DownloadVpnConnectionConfig", "RegionId", region, "VpnConnectionId", connID)
	if r.status != 200 || !bytes.Contains(r.body, []byte(`"Psk":"multinode-psk-2"`)) {
		t.Fatalf("download on a after the change on b: %d %s", r.status, r.body)
	}
}

// testNonceReplay sends one signed request to a, then the very same request
// (same nonce and signature) to b: b refuses it.
func testNonceReplay(t *testing.T, a, b *node) {
	nonce := "replay-" + randomHex(t, 8)
	url := a.signedURL(t, nonce, "DescribeRegions")
	steps := []struct {
		name   string
		to     *node
		status int
		code   string
	}{
		{"first use on a", a, 200, ""},
		{"replay on b", b, 400, "SignatureNonceUsed"},
		{"replay on a", a, 400, "SignatureNonceUsed"},
	}
	for _, s := range steps {
		r := s.to.get(t, url)
		if r.status != s.status || errorCode(r.body) != s.code {
			t.Fatalf("%s: %d %q, want %d %q\n%s", s.name, r.status, errorCode(r.body), s.status, s.code, r.body)
		}
	}
	// A nonce used on b is refused on a as well; a fresh one passes.
	url = b.signedURL(t, "other-"+randomHex(t, 8), "DescribeRegions")
	if r := b.get(t, url); r.status != 200 {
		t.Fatalf("fresh nonce on b: %d %s", r.status, r.body)
	}
	if r := a.get(t, url); r.status != 400 || errorCode(r.body) != "SignatureNonceUsed" {
		t.Fatalf("replay on a of b's request: %d %s", r.status, r.body)
	}
}

// testClientToken sends each CreateVpc with one ClientToken to both nodes at
// the same moment: one VPC is created and both answers name it.
func testClientToken(t *testing.T, a, b *node) {
	const rounds = 10
	for i := range rounds {
		token := fmt.Sprintf("token-%d-%s", i, randomHex(t, 4))
		name := fmt.Sprintf("idem-%d", i)
		var ids [2]string
		var errs [2]error
		var wg sync.WaitGroup
		start := make(chan struct{})
		for j, n := range []*node{a, b} {
			cl := n.v2(t)
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				resp, err := cl.CreateVpc(&vpc.CreateVpcRequest{RegionId: dara.String(region), CidrBlock: dara.String("172.16.0.0/12"), VpcName: dara.String(name), ClientToken: dara.String(token)})
				errs[j] = err
				if err == nil {
					ids[j] = dara.StringValue(resp.Body.VpcId)
				}
			}()
		}
		close(start)
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("round %d: errors a=%v b=%v", i, errs[0], errs[1])
		}
		if ids[0] == "" || ids[0] != ids[1] {
			t.Fatalf("round %d: VpcIds a=%q b=%q, want one VPC", i, ids[0], ids[1])
		}
		r := a.call(t, "DescribeVpcs", "RegionId", region, "VpcName", name)
		if r.status != 200 || !bytes.Contains(r.body, []byte(`"TotalCount":1`)) || !bytes.Contains(r.body, []byte(ids[0])) {
			t.Fatalf("round %d: VPCs named %s: %d %s", i, name, r.status, r.body)
		}
	}
	// The same token with other parameters is refused on the other node.
	token := "token-mismatch-" + randomHex(t, 4)
	if _, err := a.v2(t).CreateVpc(&vpc.CreateVpcRequest{RegionId: dara.String(region), CidrBlock: dara.String("172.16.0.0/12"), ClientToken: dara.String(token)}); err != nil {
		t.Fatal(err)
	}
	_, err := b.v2(t).CreateVpc(&vpc.CreateVpcRequest{RegionId: dara.String(region), CidrBlock: dara.String("10.0.0.0/8"), ClientToken: dara.String(token)})
	if code, status := sdkCode(err); code != "IdempotentParameterMismatch" || status != 400 {
		t.Fatalf("token reused with other parameters on b: %q %d (%v)", code, status, err)
	}
}

// createVpcs creates n VPCs through node's SDK.
func createVpcs(t *testing.T, n *node, count int, prefix string) []string {
	t.Helper()
	cl := n.v2(t)
	ids := make([]string, count)
	for i := range ids {
		v, err := cl.CreateVpc(&vpc.CreateVpcRequest{RegionId: dara.String(region), CidrBlock: dara.String("10.0.0.0/8"), VpcName: dara.String(fmt.Sprintf("%s-%d", prefix, i))})
		if err != nil {
			t.Fatalf("CreateVpc %d: %v", i, err)
		}
		ids[i] = dara.StringValue(v.Body.VpcId)
	}
	return ids
}

// createGateways creates one gateway per VPC, all at once, alternating
// between the nodes, and returns each one's id and error.
func createGateways(t *testing.T, vpcIDs []string, nodes ...*node) ([]string, []error) {
	t.Helper()
	ids := make([]string, len(vpcIDs))
	errs := make([]error, len(vpcIDs))
	clients := make([]*vpc.Client, len(vpcIDs))
	for i := range vpcIDs {
		clients[i] = nodes[i%len(nodes)].v2(t)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, id := range vpcIDs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			// The SDK shares one http.Client per (endpoint, runtime
			// options) and writes its Timeout on every call, unlocked
			// for the reader: a data race under -race. A distinct read
			// timeout per goroutine gives each its own http.Client.
			rt := &dara.RuntimeOptions{ReadTimeout: dara.Int(60000 + i), ConnectTimeout: dara.Int(5000)}
			g, err := clients[i].CreateVpnGatewayWithOptions(&vpc.CreateVpnGatewayRequest{RegionId: dara.String(region), VpcId: dara.String(id), Bandwidth: dara.Int32(10)}, rt)
			errs[i] = err
			if err == nil {
				ids[i] = dara.StringValue(g.Body.VpnGatewayId)
			}
		}()
	}
	close(start)
	wg.Wait()
	return ids, errs
}

// gatewayAddress describes the gateway on node and returns its InternetIp.
func gatewayAddress(t *testing.T, n *node, id string) string {
	t.Helper()
	d, err := n.v2(t).DescribeVpnGateway(&vpc.DescribeVpnGatewayRequest{RegionId: dara.String(region), VpnGatewayId: dara.String(id)})
	if err != nil {
		t.Fatalf("DescribeVpnGateway %s on %s: %v", id, n.name, err)
	}
	return dara.StringValue(d.Body.InternetIp)
}

// testAddressesUnique: 50 concurrent CreateVpnGateway calls spread over both
// nodes never share an address.
func testAddressesUnique(t *testing.T, c *cluster, a, b *node) {
	const count = 50
	vpcIDs := createVpcs(t, a, count, "pool")
	ids, errs := createGateways(t, vpcIDs, a, b)
	pool := netip.MustParsePrefix("198.18.0.0/24")
	seen := map[string]string{}
	for i, id := range ids {
		if errs[i] != nil {
			t.Fatalf("CreateVpnGateway %d: %v", i, errs[i])
		}
		ip := gatewayAddress(t, []*node{b, a}[i%2], id) // read on the other node
		addr, err := netip.ParseAddr(ip)
		if err != nil || !pool.Contains(addr) {
			t.Errorf("gateway %s has address %q, not in %s", id, ip, pool)
		}
		if other, dup := seen[ip]; dup {
			t.Errorf("gateways %s and %s share %s", other, id, ip)
		}
		seen[ip] = id
	}
	if len(seen) != count {
		t.Errorf("%d distinct addresses, want %d", len(seen), count)
	}
	var rows, distinct int
	query(t, c.dsn, `SELECT COUNT(*), COUNT(DISTINCT internet_ip) FROM vpn_gateways WHERE internet_ip LIKE '198.18.0.%'`, &rows, &distinct)
	if rows != distinct {
		t.Errorf("database: %d gateways hold %d distinct addresses", rows, distinct)
	}
}

// testOneGatewayPerVpc creates a gateway for the same VPC on both nodes at
// once: one succeeds, the other gets VpnGateway.AlreadyExists.
func testOneGatewayPerVpc(t *testing.T, a, b *node) {
	vpcIDs := createVpcs(t, b, 10, "single")
	for i, id := range vpcIDs {
		ids, errs := createGateways(t, []string{id, id}, a, b)
		var ok, exists int
		for j := range ids {
			switch code, status := sdkCode(errs[j]); {
			case errs[j] == nil:
				ok++
			case code == "VpnGateway.AlreadyExists" && status == 400:
				exists++
			default:
				t.Fatalf("VPC %d, node %d: %q %d (%v)", i, j, code, status, errs[j])
			}
		}
		if ok != 1 || exists != 1 {
			t.Fatalf("VPC %d: %d created, %d AlreadyExists; want 1 and 1", i, ok, exists)
		}
		r := a.call(t, "DescribeVpnGateways", "RegionId", region, "VpcId", id)
		if !bytes.Contains(r.body, []byte(`"TotalCount":1`)) {
			t.Fatalf("VPC %d has: %s", i, r.body)
		}
	}
}

// testInUse races CreateVpnConnection on a against DeleteVpnGateway on b for
// the same gateway: exactly one of them wins, and a connection never
// outlives its gateway.
func testInUse(t *testing.T, a, b *node) {
	vpcIDs := createVpcs(t, a, 8, "inuse")
	gws, errs := createGateways(t, vpcIDs, a)
	ca, cb := a.v2(t), b.v2(t)
	wins := map[string]int{}
	for i, gw := range gws {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		cg, err := ca.CreateCustomerGateway(&vpc.CreateCustomerGatewayRequest{RegionId: dara.String(region), IpAddress: dara.String(fmt.Sprintf("198.51.100.%d", 100+i))})
		if err != nil {
			t.Fatal(err)
		}
		var createErr, deleteErr error
		var connID string
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			resp, err := ca.CreateVpnConnection(&vpc.CreateVpnConnectionRequest{RegionId: dara.String(region), VpnGatewayId: dara.String(gw), CustomerGatewayId: cg.Body.CustomerGatewayId,
				LocalSubnet: dara.String("192.168.0.0/16"), RemoteSubnet: dara.String("10.0.0.0/8")})
			createErr = err
			if err == nil {
				connID = dara.StringValue(resp.Body.VpnConnectionId)
			}
		}()
		go func() {
			defer wg.Done()
			<-start
			_, deleteErr = cb.DeleteVpnGateway(&vpc.DeleteVpnGatewayRequest{RegionId: dara.String(region), VpnGatewayId: dara.String(gw)})
		}()
		close(start)
		wg.Wait()
		cCode, _ := sdkCode(createErr)
		dCode, _ := sdkCode(deleteErr)
		gwResp := b.call(t, "DescribeVpnGateway", "RegionId", region, "VpnGatewayId", gw)
		switch {
		case createErr == nil && dCode == "DependencyViolation.VpnConnection":
			wins["create"]++
			if gwResp.status != 200 {
				t.Fatalf("round %d: connection %s created but its gateway is gone: %s", i, connID, gwResp.body)
			}
			r := b.call(t, "DescribeVpnConnection", "RegionId", region, "VpnConnectionId", connID)
			if r.status != 200 {
				t.Fatalf("round %d: connection %s not readable on b: %s", i, connID, r.body)
			}
		case deleteErr == nil && cCode == "InvalidVpnGatewayInstanceId.NotFound":
			wins["delete"]++
			if gwResp.status != 404 || errorCode(gwResp.body) != "InvalidVpnGatewayInstanceId.NotFound" {
				t.Fatalf("round %d: deleted gateway still described: %d %s", i, gwResp.status, gwResp.body)
			}
		default:
			t.Fatalf("round %d: create %v (%q), delete %v (%q): want exactly one to win", i, createErr, cCode, deleteErr, dCode)
		}
	}
	t.Logf("create won %d rounds, delete won %d", wins["create"], wins["delete"])
}

// TestPoolExhaustedAcrossNodes: with a pool of six usable addresses, ten
// concurrent gateway creates over two nodes give six gateways six distinct
// addresses and four QuotaExceeded.GatewayAddressPool errors.
func TestPoolExhaustedAcrossNodes(t *testing.T) {
	c := newCluster(t, "198.18.1.0/29")
	nodes := c.startReady(t, "a", "b")
	vpcIDs := createVpcs(t, nodes[0], 10, "small")
	ids, errs := createGateways(t, vpcIDs, nodes...)
	seen := map[string]bool{}
	exhausted := 0
	for i := range ids {
		if errs[i] != nil {
			if code, status := sdkCode(errs[i]); code != "QuotaExceeded.GatewayAddressPool" || status != 400 {
				t.Fatalf("gateway %d: %q %d (%v)", i, code, status, errs[i])
			}
			exhausted++
			continue
		}
		ip := gatewayAddress(t, nodes[1-i%2], ids[i])
		if seen[ip] {
			t.Errorf("address %s handed out twice", ip)
		}
		seen[ip] = true
		if !strings.HasPrefix(ip, "198.18.1.") {
			t.Errorf("address %s outside the pool", ip)
		}
	}
	if len(seen) != 6 || exhausted != 4 {
		t.Fatalf("%d gateways with distinct addresses, %d refused; want 6 and 4", len(seen), exhausted)
	}
}

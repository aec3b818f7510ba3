// Package multinode holds the tests of vpcvpn's multi-node operation: several
// real server processes (the vpcvpn binary, built once per test run) sharing
// one PostgreSQL database, driven through signed raw requests and the
// official V2 SDK. It also tests `vpcvpn migrate`.
//
// The tests need PostgreSQL on 127.0.0.1:5432 (trust authentication, user
// postgres), or the server named by VPCVPN_TEST_POSTGRES (a postgres:// URL
// of a database the user may create databases from). Each test creates its
// own database with a unique name and drops it afterwards. When PostgreSQL
// cannot be reached the tests fail, never skip, and say how to start it.
//
// The package has no non-test code.
package multinode

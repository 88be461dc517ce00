# bgpd: automake fragment (filled in by the module)

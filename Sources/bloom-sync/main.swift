import BloomSync

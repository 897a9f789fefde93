import BloomCore

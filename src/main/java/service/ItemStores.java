package service;

import storage.InteractionStore;
import storage.ItemStore;
import storage.ShardMembership;

/** The Cassandra tables items live in: the items table, retrieval-shard membership, interactions (exposure counts). */
public record ItemStores(ItemStore items, ShardMembership membership, InteractionStore interactions) {}

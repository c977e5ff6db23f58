package dev.verity.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.TcpIpConfig;


/** The Hazelcast configuration of a Verity member: what is safe by default, and nothing else. */
final class HazelcastConfigs {
    private HazelcastConfigs() {}

    static final String EXECUTOR = "verity-tasks";
    static final String FILES = "verity-files";
    static final String ROLE = "verity.role";
    static final String THREADS = "verity.threads";

    /**
     * A worker (data member: holds the file map, runs tasks on {@code threads} threads) or a submitter (lite member:
     * holds no data, runs nothing). Bound to {@link ClusterSettings#bind()} only; TCP/IP join to the listed members, no
     * multicast or cloud discovery; no phone-home; Java deserialization limited to Verity's and the JDK's classes.
     */
    static Config config(ClusterSettings s, boolean worker, java.util.concurrent.ConcurrentMap<String, Object> userContext) {
        Config c = new Config();
        c.setClusterName(s.hazelcastName());
        c.setInstanceName((worker ? "verity-worker-" : "verity-submitter-") + java.util.UUID.randomUUID());
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.logging.type", "jdk");
        c.setProperty("hazelcast.socket.bind.any", "false");
        // A killed member is noticed by its heartbeats stopping; 20 s instead of 60 s re-runs its tasks sooner.
        c.setProperty("hazelcast.max.no.heartbeat.seconds", "20");
        c.setLiteMember(!worker);
        NetworkConfig n = c.getNetworkConfig();
        n.setPort(s.port()).setPortAutoIncrement(true).setPortCount(100);
        n.getInterfaces().setEnabled(true).addInterface(s.bind());
        n.setPublicAddress(null);
        JoinConfig j = n.getJoin();
        j.getMulticastConfig().setEnabled(false);
        j.getAutoDetectionConfig().setEnabled(false);
        TcpIpConfig tcp = j.getTcpIpConfig().setEnabled(true);
        for (String m : s.members()) tcp.addMember(m);
        if (s.members().isEmpty()) tcp.addMember(s.bind());
        c.getMemberAttributeConfig().setAttribute(ROLE, worker ? "worker" : "submitter");
        c.getMemberAttributeConfig().setAttribute(THREADS, Integer.toString(worker ? s.threads() : 0));
        c.getExecutorConfig(EXECUTOR).setPoolSize(Math.max(1, s.threads())).setQueueCapacity(0);
        c.getMapConfig(FILES).setBackupCount(1);
        JavaSerializationFilterConfig filter = new JavaSerializationFilterConfig().setDefaultsDisabled(false);
        filter.getWhitelist().addPrefixes("dev.verity.", "java.", "[");
        c.getSerializationConfig().setJavaSerializationFilterConfig(filter);
        if (userContext != null) c.setUserContext(userContext);
        return c;
    }

    /** Hazelcast logs through java.util.logging: warnings and worse only (the logger is held by the caller, or it is collected). */
    static java.util.logging.Logger quiet() {
        java.util.logging.Logger l = java.util.logging.Logger.getLogger("com.hazelcast");
        l.setLevel(java.util.logging.Level.WARNING);
        return l;
    }
}

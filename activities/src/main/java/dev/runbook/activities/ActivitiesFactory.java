package dev.runbook.activities;

import dev.runbook.workflows.activities.DrainActivities;
import dev.runbook.workflows.activities.LeaseActivities;
import dev.runbook.workflows.activities.NodeActivities;
import dev.runbook.workflows.activities.VirtualMachineActivities;
import java.time.Clock;
import java.time.Duration;

/**
 * All activity implementations over one pair of clients, for a worker to register:
 * {@code worker.registerActivitiesImplementations(ActivitiesFactory.create(clients).toArray())}.
 */
public record ActivitiesFactory(
    NodeActivities node, LeaseActivities lease, DrainActivities drain, VirtualMachineActivities virtualMachines) {

  public static ActivitiesFactory create(KubernetesClients clients) {
    return create(clients, Clock.systemUTC(), DrainActivitiesImpl.DEFAULT_BLOCKED_RETRY_INTERVAL);
  }

  public static ActivitiesFactory create(
      KubernetesClients clients, Clock clock, Duration blockedRetryInterval) {
    return new ActivitiesFactory(
        new NodeActivitiesImpl(clients.client(), clock),
        new LeaseActivitiesImpl(clients.client(), clock),
        new DrainActivitiesImpl(clients.client(), clients.evictionClient(), clock, blockedRetryInterval),
        new VirtualMachineActivitiesImpl(clients.client()));
  }

  public Object[] toArray() {
    return new Object[] {node, lease, drain, virtualMachines};
  }
}

// placeholder until plots land
